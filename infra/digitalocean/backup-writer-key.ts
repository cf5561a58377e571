import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming.ts';

/** Arguments of the backup service's Spaces key. */
export interface BackupWriterKeyArgs {
  /** Stack name, part of the key's name. */
  readonly stack: string;
  /** The backup bucket (backup-bucket.ts), the only one the key may use. */
  readonly bucket: pulumi.Input<string>;
}

/**
 * The Spaces key the backup service (backup/) writes with: its only grant is read-write on the
 * backup bucket, so it can neither read nor touch any other bucket of the account.
 */
export class BackupWriterKey extends pulumi.ComponentResource {
  readonly accessKey: pulumi.Output<string>;
  readonly secretKey: pulumi.Output<string>;

  constructor(name: string, args: BackupWriterKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:BackupWriterKey', name, {}, opts);
    const key = new digitalocean.SpacesKey(
      `${name}-key`,
      { name: resourceName(args.stack, 'backups', 'writer'), grants: [{ bucket: args.bucket, permission: 'readwrite' }] },
      { parent: this },
    );
    this.accessKey = key.accessKey;
    this.secretKey = pulumi.secret(key.secretKey);
    this.registerOutputs({});
  }
}
