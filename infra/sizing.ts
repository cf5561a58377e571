/**
 * Sizing: how many hosts each pool gets and on which machine size, from the stack config.
 * Pure: the same config always gives the same sizes, so tests and the cost estimate agree
 * with what `pulumi up` declares.
 */
import type { Platform } from '../images/index.ts';
import type { PoolSize, StackConfig } from './stack-config.ts';

/** The size of one platform's pool: the per-platform override, else the default of its OS. */
export function poolSizeFor(platform: Platform, pools: StackConfig['pools']): PoolSize {
  return pools.overrides[platform.id] ?? pools.defaults[platform.os];
}

/** The machine a platform's builders run on, in the provider's own vocabulary. */
export function machineSizeFor(platform: Platform, config: Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris'>): string {
  switch (platform.os) {
    case 'linux':
      return config.digitalocean.sizes.builder;
    case 'windows':
      return config.aws.windowsInstanceType;
    case 'solaris':
      return config.solaris.placement === 'aws' ? config.aws.solarisInstanceType : vsphereSize(config.vsphere);
    case 'macos':
      return platform.provider === 'aws' ? config.aws.macInstanceType : vsphereSize(config.vsphere);
  }
}

function vsphereSize(vsphere: StackConfig['vsphere']): string {
  return `${vsphere.cpus}vcpu-${vsphere.memoryMb / 1024}gb`;
}

/** Mac hosts needed to carry `vms` builder VMs at `vmsPerHost` each. */
export function macHostsFor(vms: number, vmsPerHost: number): number {
  return vmsPerHost > 0 ? Math.ceil(vms / vmsPerHost) : 0;
}
