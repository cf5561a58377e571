/**
 * Sizing: how many hosts each pool gets and on which machine size, from the stack config.
 * Pure: the same config always gives the same sizes, so tests and the cost estimate agree
 * with what `pulumi up` declares.
 */
import { HOST_BOOT_SECONDS, type OperatingSystem, type Platform } from '../images/index.ts';
import type { PoolSize, StackConfig } from './stack-config.ts';

/** The size of one platform's pool: the per-platform override, else the default of its OS. */
export function poolSizeFor(platform: Platform, pools: StackConfig['pools']): PoolSize {
  return pools.overrides[platform.id] ?? pools.defaults[platform.os];
}

/** The machine a platform's builders run on, in the provider's own vocabulary. */
export function machineSizeFor(platform: Platform, config: Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>): string {
  switch (platform.os) {
    case 'linux':
      return config.digitalocean.sizes.builder;
    case 'windows':
      return config.aws.windowsInstanceType;
    case 'solaris':
      return config.solaris.placement === 'aws' ? config.aws.solarisInstanceType : vsphereSize(config.vsphere);
    case 'macos':
      if (platform.provider !== 'aws') return vsphereSize(config.vsphere);
      return config.macSite ? config.macSite.machine : config.aws.macInstanceType;
  }
}

function vsphereSize(vsphere: StackConfig['vsphere']): string {
  return `${vsphere.cpus}vcpu-${vsphere.memoryMb / 1024}gb`;
}

/** Mac hosts needed to carry `vms` builder VMs at `vmsPerHost` each. */
export function macHostsFor(vms: number, vmsPerHost: number): number {
  return vmsPerHost > 0 ? Math.ceil(vms / vmsPerHost) : 0;
}

/** vCPUs and memory of a machine size the stacks use. */
export interface MachineShape {
  readonly vcpus: number;
  readonly memoryGiB: number;
}

/** Shapes of the droplet sizes, EC2 instance types and Mac hosts in prices.ts (providers' published specs). */
export const MACHINE_SHAPES: Readonly<Record<string, MachineShape>> = {
  's-1vcpu-1gb': { vcpus: 1, memoryGiB: 1 },
  's-1vcpu-2gb': { vcpus: 1, memoryGiB: 2 },
  's-2vcpu-2gb': { vcpus: 2, memoryGiB: 2 },
  's-2vcpu-4gb': { vcpus: 2, memoryGiB: 4 },
  's-4vcpu-8gb': { vcpus: 4, memoryGiB: 8 },
  's-8vcpu-16gb': { vcpus: 8, memoryGiB: 16 },
  'c-4': { vcpus: 4, memoryGiB: 8 },
  'c-8': { vcpus: 8, memoryGiB: 16 },
  'm7i.large': { vcpus: 2, memoryGiB: 8 },
  'm7i.xlarge': { vcpus: 4, memoryGiB: 16 },
  'm7i.2xlarge': { vcpus: 8, memoryGiB: 32 },
  'c8i.xlarge': { vcpus: 4, memoryGiB: 8 },
  'c8i.2xlarge': { vcpus: 8, memoryGiB: 16 },
  // M1 Mac mini: 8 cores (4 performance, 4 efficiency), 16 GiB; M2: 8 cores, 24 GiB.
  'mac2.metal': { vcpus: 8, memoryGiB: 16 },
  'mac2-m2.metal': { vcpus: 8, memoryGiB: 24 },
  // Owned Mac mini (M2, 8 cores, 16 GiB; Apple's published spec) at the farm's site.
  'mac-mini-m2-16gb': { vcpus: 8, memoryGiB: 16 },
};

/**
 * How agents share a host. A check is mostly single-threaded: one agent per 2 vCPUs, and never
 * more agents than builds of the agent's default memory limit (FARM_BUILD_MEMORY_BYTES, 4 GiB) fit.
 * The host keeps 1 GiB for the OS, the container engine and the agents themselves. At most 8
 * agents: the builder firewall opens 8 metrics ports (digitalocean/firewall-rules.ts).
 */
export const AGENT_SHARING = { vcpusPerAgent: 2, buildMemoryGiB: 4, hostReserveGiB: 1, maxAgents: 8 } as const;

/** Raised for a machine size with no shape: add it to MACHINE_SHAPES. */
export class UnknownMachineError extends Error {
  override name = 'UnknownMachineError';
}

/** The shape of a platform's builder machine. */
export function machineShapeFor(platform: Platform, config: Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>): MachineShape {
  const machine = machineSizeFor(platform, config);
  const vsphere = /^(\d+)vcpu-(\d+(?:\.\d+)?)gb$/.exec(machine);
  if (vsphere) return { vcpus: Number(vsphere[1]), memoryGiB: Number(vsphere[2]) };
  const shape = MACHINE_SHAPES[machine];
  if (!shape) throw new UnknownMachineError(`machine size '${machine}' has no vCPU and memory figures in infra/sizing.ts MACHINE_SHAPES`);
  return shape;
}

/**
 * Agents (build slots) each host of a platform's pool runs. Solaris runs one: its host boots a
 * single KVM guest whose boot script starts one agent (images/solaris/kvm-host.sh).
 */
export function agentsPerHostFor(platform: Platform, config: Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>): number {
  if (platform.os === 'solaris') return 1;
  return agentsFor(machineShapeFor(platform, config));
}

/** Agents a machine of `shape` runs. */
export function agentsFor(shape: MachineShape): number {
  const byCpu = Math.floor(shape.vcpus / AGENT_SHARING.vcpusPerAgent);
  const byMemory = Math.floor(shape.memoryGiB / AGENT_SHARING.buildMemoryGiB);
  return Math.max(1, Math.min(byCpu, byMemory, AGENT_SHARING.maxAgents));
}

/** One agent's slice of a host shared by `agents` agents: CPUs and memory for its container, and its builds' memory limit. */
export interface AgentSlice {
  readonly cpus: number;
  readonly memoryBytes: number;
  /** FARM_BUILD_MEMORY_BYTES: the agent's default (4 GiB) or the slice less the agent's share of the reserve, whichever is less. */
  readonly buildMemoryBytes: number;
}

const GIB = 1024 ** 3;

/** The slice of `shape` each of `agents` agents gets. */
export function agentSlice(shape: MachineShape, agents: number): AgentSlice {
  return {
    cpus: shape.vcpus / agents,
    memoryBytes: Math.floor((shape.memoryGiB * GIB) / agents),
    buildMemoryBytes: Math.min(AGENT_SHARING.buildMemoryGiB * GIB, Math.floor(((shape.memoryGiB - AGENT_SHARING.hostReserveGiB) * GIB) / agents)),
  };
}

/** How many agents a host runs, and each one's slice of it when there are several. */
export interface AgentLayout {
  readonly count: number;
  /** Absent for a lone agent, which has the whole host. */
  readonly slice?: AgentSlice;
}

/** The agents of each host of a platform's pool. */
export function agentLayoutFor(platform: Platform, config: Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>): AgentLayout {
  const count = agentsPerHostFor(platform, config);
  return count > 1 ? { count, slice: agentSlice(machineShapeFor(platform, config), count) } : { count };
}

/**
 * Waiting builds each live agent is trusted to absorb before the scaler starts another host: about
 * how many builds an agent finishes while a new host boots, kept under the wait targets (chosen by
 * running `npm run simulate`). The scaler's `backlogPerHost` is this times the agents per host.
 */
export const BACKLOG_PER_AGENT: Readonly<Record<OperatingSystem, number>> = { linux: 4, windows: 3, macos: 1, solaris: 1 };

/** The scaler's `backlogPerHost` for a platform's pool: the same in the stack's SCALER_POOLS and in the simulated day. */
export function backlogPerHostFor(platform: Platform, config: Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>): number {
  return BACKLOG_PER_AGENT[platform.os] * agentsPerHostFor(platform, config);
}

/**
 * How long an idle host of a platform's pool is kept before the scaler may stop it. The rule
 * (break-even, as in ski rental): keeping an idle host costs its price per second idle; stopping
 * it means the next build that needs it pays a new host's boot, `HOST_BOOT_SECONDS` of the same
 * price with nothing built (and a build waiting). So keep it while the idle time so far is below
 * one boot: then, whenever the next build comes, the farm never pays more than twice what knowing
 * the future would have cost. The price cancels out; only the OS's boot time is looked at — not
 * the cost target, the volume or the simulated waits.
 */
export function coolDownSecondsFor(platform: Platform): number {
  return HOST_BOOT_SECONDS[platform.os];
}
