import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming.ts';

/** Arguments of the package repository bucket. */
export interface RepositoryArgs {
  readonly stack: string;
  readonly region: string;
}

/** Prefix of the CRAN-like repository inside the bucket; the only publicly readable one. */
export const REPOSITORY_PREFIX = 'repo';

/**
 * A Spaces bucket holding the CRAN-like repository (`repo/`, world-readable so that
 * `install.packages(repos = …)` works) and the build artifacts (`artifacts/`, private).
 */
export class Repository extends pulumi.ComponentResource {
  readonly bucket: digitalocean.SpacesBucket;
  /** Public URL of the CRAN-like repository. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: RepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:Repository', name, {}, opts);
    this.bucket = new digitalocean.SpacesBucket(`${name}-bucket`, { name: resourceName(args.stack, 'repository'), region: args.region, acl: 'private', versioning: { enabled: true } }, { parent: this });
    new digitalocean.SpacesBucketPolicy(
      `${name}-policy`,
      {
        region: args.region,
        bucket: this.bucket.name,
        policy: this.bucket.name.apply((bucket) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Sid: 'PublicRepository', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/${REPOSITORY_PREFIX}/*`] }],
          }),
        ),
      },
      { parent: this },
    );
    this.url = pulumi.interpolate`https://${this.bucket.bucketDomainName}/${REPOSITORY_PREFIX}`;
    this.registerOutputs({ url: this.url });
  }
}
