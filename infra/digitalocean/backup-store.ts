import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming.ts';

/** Arguments of the backup bucket. */
export interface BackupStoreArgs {
  readonly stack: string;
  readonly region: string;
}

/**
 * A private Spaces bucket for the farm's JetStream backups (backup/), and a Spaces key whose only
 * grant is read-write on that bucket: the backup service can neither read the repository bucket
 * nor touch another.
 */
export class BackupStore extends pulumi.ComponentResource {
  readonly bucket: digitalocean.SpacesBucket;
  /** S3-compatible endpoint of the region. */
  readonly endpoint: string;
  readonly accessKey: pulumi.Output<string>;
  readonly secretKey: pulumi.Output<string>;

  constructor(name: string, args: BackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:BackupStore', name, {}, opts);
    // Versioning off: pruning old backups must free their space.
    this.bucket = new digitalocean.SpacesBucket(`${name}-bucket`, { name: resourceName(args.stack, 'repository', 'backups'), region: args.region, acl: 'private' }, { parent: this });
    const key = new digitalocean.SpacesKey(`${name}-key`, { name: resourceName(args.stack, 'repository', 'backup-key'), grants: [{ bucket: this.bucket.name, permission: 'readwrite' }] }, { parent: this });
    this.endpoint = `https://${args.region}.digitaloceanspaces.com`;
    this.accessKey = key.accessKey;
    this.secretKey = pulumi.secret(key.secretKey);
    this.registerOutputs({ bucket: this.bucket.name });
  }
}
