import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming.ts';

/** Arguments of the backup bucket. */
export interface BackupBucketArgs {
  /** Stack name, part of the bucket's name. */
  readonly stack: string;
  /** DigitalOcean region slug the bucket lives in (the farm's region). */
  readonly region: string;
}

/**
 * A private, versioned Spaces bucket: where backups of the farm's JetStream state (jobs, records,
 * the repository's object store) go. The CRAN-like repository itself is not here: the control
 * plane serves it from JetStream at https://<domain>/repo/ (README.md, "Storage"). Creating the
 * bucket needs Spaces access keys in the stack (`digitalocean:spacesAccessId`/`spacesSecretKey`,
 * README.md "Prerequisites"); whatever writes backups needs keys of its own.
 */
export class BackupBucket extends pulumi.ComponentResource {
  readonly bucket: digitalocean.SpacesBucket;
  /** The bucket's name. */
  readonly name: pulumi.Output<string>;
  /** S3-compatible endpoint of the bucket's region, e.g. https://fra1.digitaloceanspaces.com. */
  readonly endpoint: string;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:BackupBucket', name, {}, opts);
    this.bucket = new digitalocean.SpacesBucket(
      `${name}-bucket`,
      { name: resourceName(args.stack, 'backups'), region: args.region, acl: 'private', versioning: { enabled: true } },
      { parent: this },
    );
    this.name = this.bucket.name;
    this.endpoint = `https://${args.region}.digitaloceanspaces.com`;
    this.registerOutputs({ name: this.name, endpoint: this.endpoint });
  }
}
