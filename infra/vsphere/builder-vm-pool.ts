import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';
import { hostName, vsphereAnnotation, type Role } from '../naming.ts';
import type { AgentLayout } from '../sizing.ts';
import type { PoolSize } from '../stack-config.ts';
import type { AgentSettings } from '../user-data/agent-environment.ts';
import { renderGuestInfo } from '../user-data/guestinfo.ts';
import * as vsphere from './sdk.ts';

/** Where in vCenter the VMs go. */
export interface VspherePlacement {
  readonly datacenter: string;
  readonly resourcePool: string;
  readonly datastore: string;
  readonly network: string;
  readonly folder: string;
}

/** Arguments of one platform's builder VMs. */
export interface BuilderVmPoolArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** Role the VMs are named and annotated with. */
  readonly role: Role;
  /** The catalogue platform every host of the pool serves. */
  readonly platform: Platform;
  /** The pool's size; `desired` hosts are declared. */
  readonly size: PoolSize;
  /** Agents each host runs (sizing.ts `agentLayoutFor`); default one. */
  readonly agents?: AgentLayout;
  /** Template to clone (macOS per architecture, or the Solaris template). */
  readonly template: string;
  /** Datacenter, resource pool, datastore and port group the VMs are placed in. */
  readonly placement: VspherePlacement;
  /** The stack's VM folder, as created by `BuilderFolder` (the VMs depend on it). */
  readonly folder: pulumi.Input<string>;
  /** Virtual CPUs per VM. */
  readonly cpus: number;
  /** Memory per VM, MB. */
  readonly memoryMb: number;
  /** This pool's own NATS credentials (a `.creds` file); secret. */
  readonly natsCreds: pulumi.Input<string>;
  /** The farm CA (PEM) the host trusts NATS, Loki and Prometheus with. */
  readonly caPem: pulumi.Input<string>;
  /** Git repository the host checks out into /opt/rfarm. */
  readonly sourceRepo: string;
  /** Branch, tag or commit of that checkout. */
  readonly sourceRef: string;
  /** Loki push URL the host ships its logs to with Alloy. */
  readonly lokiUrl: string;
  /** Prometheus remote-write URL the host pushes its metrics to with Alloy. */
  readonly remoteWriteUrl: string;
  /** The agent's settings that do not depend on the host (NATS URLs, sysreqs URL, R repositories). */
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
}

/**
 * Builder VMs cloned from a template on the vSphere hosts (cloning needs vCenter), bootstrapped
 * through guestinfo `extraConfig` since guest customization does not support macOS. A pool of
 * size 0 looks nothing up, so a stack without builders there needs no vCenter.
 */
export class BuilderVmPool extends pulumi.ComponentResource {
  readonly machines: vsphere.VirtualMachine[];

  constructor(name: string, args: BuilderVmPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:vsphere:BuilderVmPool', name, { platform: args.platform.id }, opts);
    this.machines = [];
    if (args.size.desired > 0) {
      const invoke = { parent: this };
      const datacenter = pulumi.output(vsphere.getDatacenter({ name: args.placement.datacenter }, invoke));
      const lookup = <T>(find: (datacenterId: string) => Promise<T>) => datacenter.apply((found) => find(found.id));
      const pool = lookup((datacenterId) => vsphere.getResourcePool({ name: args.placement.resourcePool, datacenterId }, invoke));
      const datastore = lookup((datacenterId) => vsphere.getDatastore({ name: args.placement.datastore, datacenterId }, invoke));
      const network = lookup((datacenterId) => vsphere.getNetwork({ name: args.placement.network, datacenterId }, invoke));
      const template = lookup((datacenterId) => vsphere.getVirtualMachine({ name: args.template, datacenterId }, invoke));
      const extraConfig = pulumi.all([args.natsCreds, args.caPem]).apply(([natsCreds, caPem]) =>
        renderGuestInfo({
          stack: args.stack,
          platform: args.platform,
          natsCreds,
          caPem,
          sourceRepo: args.sourceRepo,
          sourceRef: args.sourceRef,
          lokiUrl: args.lokiUrl,
          remoteWriteUrl: args.remoteWriteUrl,
          agent: args.agent,
          agents: args.agents,
        }),
      );
      for (let index = 1; index <= args.size.desired; index++) {
        this.machines.push(
          new vsphere.VirtualMachine(
            `${name}-${index}`,
            {
              name: hostName(args.stack, args.role, index, args.platform.id),
              resourcePoolId: pool.id,
              datastoreId: datastore.id,
              folder: args.folder,
              numCpus: args.cpus,
              memory: args.memoryMb,
              guestId: template.guestId,
              firmware: template.apply((found) => found.firmware ?? 'efi'),
              annotation: vsphereAnnotation(args.stack, args.role, args.platform.id),
              clone: { templateUuid: template.uuid },
              disks: template.disks.apply((disks) =>
                disks.map((disk) => ({
                  label: disk.label,
                  size: disk.size,
                  thinProvisioned: disk.thinProvisioned,
                  eagerlyScrub: disk.eagerlyScrub,
                  unitNumber: disk.unitNumber,
                })),
              ),
              networkInterfaces: [{ networkId: network.id, adapterType: template.networkInterfaceTypes.apply((types) => types[0] ?? 'vmxnet3') }],
              extraConfig: pulumi.secret(extraConfig),
              // macOS has no guest customization; do not wait for an address it will not report in time.
              waitForGuestNetTimeout: 0,
            },
            { parent: this },
          ),
        );
      }
    }
    this.registerOutputs({ machines: this.machines.length });
  }
}
