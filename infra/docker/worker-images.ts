import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { DOCKERFILE, buildArgs, type ImagePlatform } from '../../images/index.ts';

/** The Debian archive cloud image builds name (they use registry bases; it only enters the arguments' digest). */
export const CLOUD_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** Arguments of the Linux worker images. */
export interface WorkerImagesArgs {
  /** Linux platforms of the catalogue; one image each. */
  readonly platforms: readonly ImagePlatform[];
  /** Repository root, the build context. */
  readonly repoRoot: string;
  /** Content tag per platform id (docker/content-tag.ts). */
  readonly tags: Readonly<Record<string, string>>;
  /** Registry repository prefix, e.g. registry.digitalocean.com/rfarm-prod-registry. */
  readonly registryEndpoint: pulumi.Input<string>;
  /** Registry host the push logs in to, e.g. registry.digitalocean.com. */
  readonly registryServer: pulumi.Input<string>;
  /** DigitalOcean API token with registry write scope (user and password for DOCR). */
  readonly registryToken: pulumi.Input<string>;
}

/** The worker image of every Linux platform, built from images/linux/Dockerfile (target `agent`) and pushed. */
export class WorkerImages extends pulumi.ComponentResource {
  /** Pushed image reference per platform id. */
  readonly references: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: WorkerImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:docker:WorkerImages', name, {}, opts);
    this.references = {};
    for (const platform of args.platforms) {
      const image = new docker.Image(
        `${name}-${platform.id}`,
        {
          imageName: pulumi.interpolate`${args.registryEndpoint}/worker-${platform.id}:${args.tags[platform.id]}`,
          build: {
            context: args.repoRoot,
            dockerfile: `${args.repoRoot}/${DOCKERFILE}`,
            target: 'agent',
            // Cloud images start from a registry image; no Debian base is bootstrapped, so no mirror is read.
            args: buildArgs(platform, CLOUD_DEBIAN_MIRROR),
            platform: 'linux/amd64',
          },
          registry: { server: args.registryServer, username: args.registryToken, password: args.registryToken },
        },
        { parent: this },
      );
      this.references[platform.id] = image.imageName;
    }
    this.registerOutputs({});
  }
}
