import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';

/** Arguments of the Linux worker images. */
export interface WorkerImagesArgs {
  /** Linux platforms of the catalogue; one image each. */
  readonly platforms: readonly Platform[];
  /** Repository root, the build context. */
  readonly repoRoot: string;
  /** Content tag per platform id (docker/content-tag.ts). */
  readonly tags: Readonly<Record<string, string>>;
  /** Registry repository prefix, e.g. registry.digitalocean.com/rfarm-prod-registry. */
  readonly registryEndpoint: pulumi.Input<string>;
  readonly registryServer: pulumi.Input<string>;
  /** DigitalOcean API token with registry write scope (user and password for DOCR). */
  readonly registryToken: pulumi.Input<string>;
}

/** The worker image of every Linux platform, built from images/linux/<platform>/Dockerfile and pushed. */
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
          build: { context: args.repoRoot, dockerfile: `${args.repoRoot}/images/linux/${platform.id}/Dockerfile`, platform: 'linux/amd64' },
          registry: { server: args.registryServer, username: args.registryToken, password: args.registryToken },
        },
        { parent: this },
      );
      this.references[platform.id] = image.imageName;
    }
    this.registerOutputs({});
  }
}
