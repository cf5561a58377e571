import * as pulumi from '@pulumi/pulumi';
import * as vsphere from './sdk.ts';

/** Arguments of the stack's VM folder. */
export interface BuilderFolderArgs {
  /** Datacenter the folder is in. */
  readonly datacenter: string;
  /** Folder path, e.g. rfarm/prod; its parent (rfarm) is the site's and must exist. */
  readonly path: string;
}

/**
 * The VM folder every builder VM of the stack is cloned into. vCenter does not create a folder
 * when a VM names one, so the stack creates its own (leaf) folder; the parent stays the site's,
 * shared by the stacks.
 */
export class BuilderFolder extends pulumi.ComponentResource {
  /** The folder's path, once it exists. */
  readonly path: pulumi.Output<string>;

  constructor(name: string, args: BuilderFolderArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:vsphere:BuilderFolder', name, {}, opts);
    const datacenter = pulumi.output(vsphere.getDatacenter({ name: args.datacenter }, { parent: this }));
    const folder = new vsphere.Folder(`${name}-folder`, { path: args.path, type: 'vm', datacenterId: datacenter.id }, { parent: this });
    this.path = folder.path;
    this.registerOutputs({ path: this.path });
  }
}
