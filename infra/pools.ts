/**
 * Catalogue → pools: which builder pool serves each platform of the catalogue, on which
 * provider, with how many hosts of which size. The catalogue names the provider; stack config
 * may move Solaris from AWS to the vSphere hosts.
 */
import { PLATFORMS, type Platform, type Provider } from '../images/index.ts';
import { agentLayoutFor, backlogPerHostFor, coolDownSecondsFor, machineSizeFor, poolSizeFor, type AgentLayout } from './sizing.ts';
import type { PoolSize, StackConfig } from './stack-config.ts';

/** How a pool's hosts are made. */
export type PoolKind = 'droplet' | 'autoscaling-group' | 'kvm-host' | 'mac-host' | 'vsphere-vm' | 'site-mac';

/** Where a pool's hosts run: a cloud provider of the catalogue, or the farm's own site (registered Mac minis). */
export type PoolProvider = Exclude<Provider, 'local'> | 'site';

/** One platform's builder pool as the stack declares it. */
export interface PoolPlan {
  readonly platform: Platform;
  /** Where the hosts run; the catalogue's provider unless placement config moved it (Solaris to vSphere, macOS arm64 to the site). */
  readonly provider: PoolProvider;
  readonly kind: PoolKind;
  readonly size: PoolSize;
  /** Droplet size slug, EC2 instance type or vSphere VM shape. */
  readonly machine: string;
  /** Agents each host runs, one build each, and their slices of it (sizing.ts `agentLayoutFor`). */
  readonly agents: AgentLayout;
  /** Waiting builds each live host absorbs before the scaler starts another (sizing.ts `backlogPerHostFor`). */
  readonly backlogPerHost: number;
  /** Idle seconds before the scaler may stop one of the pool's hosts (sizing.ts `coolDownSecondsFor`). */
  readonly coolDownSeconds: number;
}

/** Every pool of a stack, one per platform of the catalogue that has a cloud provider. */
export function planPools(
  config: Pick<StackConfig, 'pools' | 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>,
  platforms: readonly Platform[] = PLATFORMS,
): PoolPlan[] {
  return platforms
    .filter((platform) => platform.provider !== 'local')
    .map((platform) => {
      // macOS arm64 goes to the site's registered Mac minis when the stack has some (rfarm:macSite).
      const onSite = platform.os === 'macos' && platform.provider === 'aws' && config.macSite !== undefined;
      const provider = onSite ? 'site' : providerFor(platform, config.solaris.placement);
      return {
        platform,
        provider,
        kind: onSite ? 'site-mac' : kindFor(platform, providerFor(platform, config.solaris.placement)),
        size: poolSizeFor(platform, config.pools),
        machine: machineSizeFor(platform, config),
        agents: agentLayoutFor(platform, config),
        backlogPerHost: backlogPerHostFor(platform, config),
        coolDownSeconds: coolDownSecondsFor(platform),
      };
    });
}

/** The provider a platform's pool lands on. */
export function providerFor(platform: Platform, solarisPlacement: 'aws' | 'vsphere'): Exclude<Provider, 'local'> {
  if (platform.provider === 'local') throw new Error(`platform '${platform.id}' has provider 'local'; it has no cloud pool`);
  return platform.os === 'solaris' ? solarisPlacement : platform.provider;
}

function kindFor(platform: Platform, provider: Exclude<Provider, 'local'>): PoolKind {
  if (provider === 'digitalocean') return 'droplet';
  if (provider === 'vsphere') return 'vsphere-vm';
  if (platform.os === 'macos') return 'mac-host';
  return platform.os === 'solaris' ? 'kvm-host' : 'autoscaling-group';
}

/** The pools of one provider. */
export function poolsOn(plans: readonly PoolPlan[], provider: PoolProvider): PoolPlan[] {
  return plans.filter((plan) => plan.provider === provider);
}
