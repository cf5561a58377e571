/**
 * A thin typed binding of the vSphere provider, for exactly the resource and lookups the farm uses.
 * `@pulumi/vsphere` is not served by the registry these machines reach; this file mirrors its
 * shape (same names, same argument names, same type tokens) so that switching to the published SDK
 * is one import change: `import * as vsphere from '@pulumi/vsphere'` instead of `./sdk.ts`.
 * The provider plugin version is pinned so the engine installs the release these shapes match.
 */
import * as pulumi from '@pulumi/pulumi';

/** Release of the pulumi-vsphere provider plugin this binding matches. */
export const PROVIDER_VERSION = '4.16.5';

/** Type tokens, as the provider's schema names them. */
export const TOKENS = {
  virtualMachine: 'vsphere:index/virtualMachine:VirtualMachine',
  folder: 'vsphere:index/folder:Folder',
  getDatacenter: 'vsphere:index/getDatacenter:getDatacenter',
  getVirtualMachine: 'vsphere:index/getVirtualMachine:getVirtualMachine',
  getDatastore: 'vsphere:index/getDatastore:getDatastore',
  getResourcePool: 'vsphere:index/getResourcePool:getResourcePool',
  getNetwork: 'vsphere:index/getNetwork:getNetwork',
} as const;

function withVersion<T extends pulumi.InvokeOptions | pulumi.CustomResourceOptions>(opts: T | undefined): T {
  return { ...opts, version: PROVIDER_VERSION } as T;
}

/** Arguments of `getDatacenter`. */
export interface GetDatacenterArgs {
  /** Datacenter name; the only one when omitted. */
  name?: string;
}
/** Result of `getDatacenter`. */
export interface GetDatacenterResult {
  readonly id: string;
  readonly name?: string;
}
/** Finds a datacenter by name. */
export function getDatacenter(args: GetDatacenterArgs, opts?: pulumi.InvokeOptions): Promise<GetDatacenterResult> {
  return pulumi.runtime.invoke(TOKENS.getDatacenter, { name: args.name }, withVersion(opts));
}

/** Arguments of the datacenter-scoped lookups. */
export interface GetByNameArgs {
  /** Name (or inventory path) of what is looked up. */
  name: string;
  /** Datacenter to look in. */
  datacenterId?: string;
}
/** Result of `getDatastore`, `getResourcePool`, `getNetwork`. */
export interface GetByNameResult {
  readonly id: string;
  readonly name: string;
}
/** Finds a datastore. */
export function getDatastore(args: GetByNameArgs, opts?: pulumi.InvokeOptions): Promise<GetByNameResult> {
  return pulumi.runtime.invoke(TOKENS.getDatastore, { name: args.name, datacenterId: args.datacenterId }, withVersion(opts));
}
/** Finds a resource pool (e.g. "cluster/Resources"). */
export function getResourcePool(args: GetByNameArgs, opts?: pulumi.InvokeOptions): Promise<GetByNameResult> {
  return pulumi.runtime.invoke(TOKENS.getResourcePool, { name: args.name, datacenterId: args.datacenterId }, withVersion(opts));
}
/** Finds a network (port group). */
export function getNetwork(args: GetByNameArgs, opts?: pulumi.InvokeOptions): Promise<GetByNameResult> {
  return pulumi.runtime.invoke(TOKENS.getNetwork, { name: args.name, datacenterId: args.datacenterId }, withVersion(opts));
}

/** Disk of a template, as `getVirtualMachine` reports it. */
export interface GetVirtualMachineDisk {
  readonly label: string;
  readonly size: number;
  readonly thinProvisioned: boolean;
  readonly eagerlyScrub: boolean;
  readonly unitNumber: number;
}
/** Result of `getVirtualMachine` (the fields the farm reads). */
export interface GetVirtualMachineResult {
  readonly id: string;
  readonly uuid: string;
  readonly guestId: string;
  readonly firmware?: string;
  readonly disks: GetVirtualMachineDisk[];
  readonly networkInterfaceTypes: string[];
}
/** Finds a virtual machine or template. */
export function getVirtualMachine(args: GetByNameArgs, opts?: pulumi.InvokeOptions): Promise<GetVirtualMachineResult> {
  return pulumi.runtime.invoke(TOKENS.getVirtualMachine, { name: args.name, datacenterId: args.datacenterId }, withVersion(opts));
}

/** Input shapes of `VirtualMachine`, as in `@pulumi/vsphere` `types.input`. */
// eslint-disable-next-line @typescript-eslint/no-namespace -- the same `types.input` path as the provider's SDK, so call sites read alike
export namespace types.input {
  export interface VirtualMachineClone {
    templateUuid: pulumi.Input<string>;
    linkedClone?: pulumi.Input<boolean>;
  }
  export interface VirtualMachineDisk {
    label?: pulumi.Input<string>;
    size?: pulumi.Input<number>;
    thinProvisioned?: pulumi.Input<boolean>;
    eagerlyScrub?: pulumi.Input<boolean>;
    unitNumber?: pulumi.Input<number>;
  }
  export interface VirtualMachineNetworkInterface {
    networkId: pulumi.Input<string>;
    adapterType?: pulumi.Input<string>;
  }
}

/** Arguments of `VirtualMachine` (the subset the farm sets). */
export interface VirtualMachineArgs {
  /** VM name in the inventory. */
  name?: pulumi.Input<string>;
  /** Resource pool the VM runs in. */
  resourcePoolId: pulumi.Input<string>;
  /** Datastore of the VM files. */
  datastoreId?: pulumi.Input<string>;
  /** VM folder path, relative to the datacenter; it must exist. */
  folder?: pulumi.Input<string>;
  /** Virtual CPUs. */
  numCpus?: pulumi.Input<number>;
  /** Memory, MB. */
  memory?: pulumi.Input<number>;
  /** Guest OS identifier, e.g. darwin23_64Guest (take it from the template). */
  guestId?: pulumi.Input<string>;
  /** `efi` or `bios` (take it from the template). */
  firmware?: pulumi.Input<string>;
  /** Free-text notes; the farm puts its labels here. */
  annotation?: pulumi.Input<string>;
  /** Template to clone from. */
  clone?: pulumi.Input<types.input.VirtualMachineClone>;
  /** Disks, matching the template's. */
  disks?: pulumi.Input<pulumi.Input<types.input.VirtualMachineDisk>[]>;
  /** Network adapters and the networks they attach to. */
  networkInterfaces?: pulumi.Input<pulumi.Input<types.input.VirtualMachineNetworkInterface>[]>;
  /** VMX `extraConfig` keys, e.g. guestinfo.* read by the guest. */
  extraConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Expose hardware virtualization to the guest. */
  nestedHvEnabled?: pulumi.Input<boolean>;
  /** Minutes to wait for a guest address; 0 does not wait. */
  waitForGuestNetTimeout?: pulumi.Input<number>;
}

/** A vSphere virtual machine (`vsphere.VirtualMachine`). */
export class VirtualMachine extends pulumi.CustomResource {
  /** The VM's managed object id. */
  declare readonly moid: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly defaultIpAddress: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs: pulumi.Inputs = { ...args, moid: undefined, uuid: undefined, defaultIpAddress: undefined };
    super(TOKENS.virtualMachine, name, inputs, withVersion(opts));
  }
}

/** Arguments of `Folder` (the subset the farm sets). */
export interface FolderArgs {
  /** Path relative to the datacenter's folder of that type; the parent must exist. */
  path: pulumi.Input<string>;
  /** `vm` for virtual machines and templates. */
  type: pulumi.Input<'vm' | 'host' | 'datastore' | 'network' | 'datacenter'>;
  /** Datacenter the folder is in. */
  datacenterId?: pulumi.Input<string>;
}

/** A vSphere inventory folder (`vsphere.Folder`). */
export class Folder extends pulumi.CustomResource {
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: FolderArgs, opts?: pulumi.CustomResourceOptions) {
    super(TOKENS.folder, name, { ...args }, withVersion(opts));
  }
}
