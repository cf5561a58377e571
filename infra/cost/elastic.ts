/**
 * The elastic stack's monthly cost at the r-hub proposal's volume: the always-on core as the
 * stack declares it, builders priced by the host-hours of the simulated day
 * (infra/cost/elastic-usage.json, from `npm run simulate`), and NAT, traffic, Mac hardware and
 * the Windows hosts on Spot each in their own section. Pure: prices come from prices.ts and stated
 * assumptions.
 */
import { findPlatform } from '../../images/index.ts';
import type { DeclaredResource } from '../preview/offline-mocks.ts';
import { macHostsFor } from '../sizing.ts';
import type { AwsConfig, DigitalOceanConfig, SolarisConfig, VsphereConfig } from '../stack-config.ts';
import { estimateMonthlyCost, macHost, siteMacMonthly, UnpricedSizeError, type CostLine } from './estimate.ts';
import { AWS_MONTHLY, AWS_PER_GB, DROPLET_MONTHLY, EC2_HOURLY, EC2_SPOT_HOURLY, HOURS_PER_MONTH } from './prices.ts';

/** One pool's simulated day, as `npm run simulate` writes it. */
export interface PoolUsage {
  readonly platform: string;
  readonly family: string;
  readonly builds: number;
  /** Agents each host ran; absent in files written before hosts were shared (1). */
  readonly agentsPerHost?: number;
  readonly hostHoursPerDay: number;
  readonly hostHoursRoundedUpPerDay: number;
  readonly peakHosts: number;
}

/** The stack settings the estimate needs. */
export interface ElasticStackSettings {
  readonly digitalocean: Pick<DigitalOceanConfig, 'sizes'>;
  readonly aws: Pick<AwsConfig, 'windowsInstanceType' | 'windowsVolumeGb' | 'solarisInstanceType' | 'solarisVolumeGb' | 'macInstanceType'>;
  readonly solaris: Pick<SolarisConfig, 'placement'>;
  readonly vsphere: Pick<VsphereConfig, 'hostMonthlyUsd' | 'vmsPerHost'>;
  /** Owned Mac minis for macOS arm64, if the stack has a site (rfarm:macSite). */
  readonly macSite?: { readonly machine: string };
}

/**
 * Assumed traffic per build. A Windows build downloads its dependencies' binaries through the AWS
 * NAT instance and sends its output and artifacts to the farm on DigitalOcean over the internet.
 * Linux droplets' transfer (through the VPC gateway droplet) is inside DigitalOcean's pooled
 * allowance; the Mac site's is its own.
 */
export const TRAFFIC_ASSUMPTIONS = { windowsDownloadGbPerBuild: 0.1, windowsUploadGbPerBuild: 0.005, awsFreeEgressGb: 100 } as const;

/**
 * Windows hosts run on Spot (infra/aws/windows-builder-pool.ts). Assumed: the share of their
 * host-hours the on-demand fallback group runs instead, because the Spot group could not start a
 * host in time (scaler/aws-spot-fallback-pool.ts), priced at the on-demand Windows rate. Not
 * measured (no deploy): 10 %, chosen high for a group spread over five instance families and every
 * zone with `price-capacity-optimized`. Reclaimed hosts' hours, and the builds they lost and ran
 * again, are in the simulated host-hours already (5 % of Spot hosts reclaimed per hour).
 */
export const SPOT_ASSUMPTIONS = { onDemandFallbackShare: 0.1 } as const;

/** Days in the 730-hour month. */
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/** The estimate, section by section. */
export interface ElasticEstimate {
  /** Always on: control plane, NATS, monitoring, logs, load balancer, registry, storage. */
  readonly core: CostLine[];
  /** Builder hosts for the hours the simulated day ran them, on demand, and every builder's disk. */
  readonly builders: CostLine[];
  /** Windows hosts' hours: on Spot (compute, and the licence undiscounted) and on the on-demand fallback. */
  readonly spot: CostLine[];
  /** NAT: the VPC gateway droplet and the AWS NAT instance (hours, address, disk; no per-GB processing). */
  readonly nat: CostLine[];
  /** Internet traffic out of AWS. */
  readonly traffic: CostLine[];
  /** Mac hardware (macOS licensing allows guests only on Apple hardware). */
  readonly licences: CostLine[];
  /** The Windows hours and hourly prices behind `spot` (null without Windows hours): the break-even is computed from them. */
  readonly windows: WindowsSpotHours | null;
  /** Extra if droplets were billed per started hour rather than per second: not in the total. */
  readonly hourlyBilling: CostLine[];
}

/** Windows host-hours a month and what each costs, by purchase option. */
export interface WindowsSpotHours {
  readonly instanceType: string;
  readonly spotHours: number;
  readonly fallbackHours: number;
  /** Spot compute, USD/h (EC2_SPOT_HOURLY). */
  readonly spotComputeHourly: number;
  /** On-demand compute without the licence, USD/h. */
  readonly onDemandComputeHourly: number;
  /** The Windows licence, USD/h, which Spot does not discount. */
  readonly licenceHourly: number;
}

const MAC_HOST = 'aws:ec2/dedicatedHost:DedicatedHost';
const SITE_MAC_INSTALL = 'command:remote:Command';
// An EC2 Mac dedicated host is allocated for at least 24 hours and nothing scales it: the hosts the
// stack declares are paid around the clock, like the core.
const isBuilder = (resource: DeclaredResource) => resource.name.startsWith('builders-') && resource.type !== MAC_HOST && resource.type !== SITE_MAC_INSTALL;
const isNat = (resource: DeclaredResource) =>
  /natGateway:|vpcNatGateway:/.test(resource.type) || resource.inputs.tags?.Role === 'nat' || (resource.inputs.tags ?? []).includes?.('role:nat');

/** Prices the stack: `usage` empty means idle (no builds, pools at zero). */
export function estimateElasticCost(resources: readonly DeclaredResource[], settings: ElasticStackSettings, usage: readonly PoolUsage[]): ElasticEstimate {
  const site = { macHostMonthly: settings.vsphere.hostMonthlyUsd, vmsPerHost: settings.vsphere.vmsPerHost, siteMacMachine: settings.macSite?.machine };
  const core = estimateMonthlyCost(
    resources.filter((resource) => !isBuilder(resource) && !isNat(resource)),
    site,
  );
  const nat = estimateMonthlyCost(resources.filter(isNat), site);
  const builders: CostLine[] = [];
  const licences: CostLine[] = [];
  const spot: CostLine[] = [];
  const hourlyBilling: CostLine[] = [];
  const macPeak = new Map<string, number>();
  let windowsBuilds = 0;
  let windows = null as WindowsSpotHours | null;
  for (const pool of usage) {
    const platform = findPlatform(pool.platform);
    if (!platform) throw new UnpricedSizeError(`platform '${pool.platform}' in elastic-usage.json is not in the catalogue; run \`npm run simulate\``);
    const hours = pool.hostHoursPerDay * DAYS_PER_MONTH;
    const agents = (pool.agentsPerHost ?? 1) > 1 ? `, ${pool.agentsPerHost} agents per host` : '';
    if (platform.os === 'linux') {
      const size = settings.digitalocean.sizes.builder;
      const monthly = DROPLET_MONTHLY[size];
      if (monthly === undefined) throw new UnpricedSizeError(`droplet size '${size}' has no price in infra/cost/prices.ts`);
      builders.push(line(`droplet ${size} hours (${pool.platform}${agents})`, hours, monthly / HOURS_PER_MONTH));
      const roundedUp = (pool.hostHoursRoundedUpPerDay - pool.hostHoursPerDay) * DAYS_PER_MONTH;
      if (roundedUp > 0) hourlyBilling.push(line(`droplet ${size} hours rounded up per droplet (${pool.platform})`, roundedUp, monthly / HOURS_PER_MONTH));
    } else if (platform.os === 'windows') {
      windowsBuilds += pool.builds;
      const type = settings.aws.windowsInstanceType;
      const price = ec2(type);
      const spotCompute = EC2_SPOT_HOURLY[type];
      if (spotCompute === undefined) throw new UnpricedSizeError(`instance type '${type}' has no Spot price in infra/cost/prices.ts EC2_SPOT_HOURLY`);
      const licence = price.windows - price.linux;
      const share = SPOT_ASSUMPTIONS.onDemandFallbackShare;
      const fallbackHours = hours * share;
      const spotHours = hours - fallbackHours;
      spot.push(line(`EC2 ${type} Spot compute hours (${pool.platform}${agents}; ${percent(1 - share)} of its hours)`, spotHours, spotCompute));
      spot.push(line(`Windows licence on those Spot hours, not discounted (${pool.platform})`, spotHours, licence));
      spot.push(line(`EC2 ${type} Windows on-demand fallback hours (${pool.platform}; ${percent(share)}, assumed)`, fallbackHours, price.windows));
      builders.push(line(`EBS gp3 GB-hours (${pool.platform})`, hours * settings.aws.windowsVolumeGb, AWS_MONTHLY.gp3Gb / HOURS_PER_MONTH));
      windows = {
        instanceType: type,
        spotHours: (windows?.spotHours ?? 0) + spotHours,
        fallbackHours: (windows?.fallbackHours ?? 0) + fallbackHours,
        spotComputeHourly: spotCompute,
        onDemandComputeHourly: price.linux,
        licenceHourly: licence,
      };
    } else if (platform.os === 'solaris' && settings.solaris.placement === 'aws') {
      builders.push(
        line(`EC2 ${settings.aws.solarisInstanceType} Linux hours, Solaris KVM host (${pool.platform})`, hours, ec2(settings.aws.solarisInstanceType).linux),
      );
      builders.push(line(`EBS gp3 GB-hours (${pool.platform})`, hours * settings.aws.solarisVolumeGb, AWS_MONTHLY.gp3Gb / HOURS_PER_MONTH));
    } else if (platform.os === 'macos' && platform.provider === 'aws' && settings.macSite) {
      // Owned Mac minis are in the core, always on; a busier moment would need more registered.
      const registered = resources.filter((resource) => resource.type === SITE_MAC_INSTALL && resource.name.startsWith(`builders-${pool.platform}-`)).length;
      if (pool.peakHosts > registered)
        licences.push(
          line(
            `site Mac ${settings.macSite.machine} beyond the ${registered} registered (${pool.platform}; peak ${pool.peakHosts})`,
            pool.peakHosts - registered,
            siteMacMonthly(settings.macSite.machine),
          ),
        );
    } else if (platform.os === 'macos' && platform.provider === 'aws') {
      // The declared hosts are in the core; a busier moment needs more, each held all month (24-hour minimum allocation).
      const declared = resources.filter((resource) => resource.type === MAC_HOST && resource.inputs.tags?.Platform === pool.platform).length;
      const extra = Math.max(0, pool.peakHosts - declared);
      if (extra > 0)
        licences.push(
          line(
            `EC2 Mac dedicated host ${settings.aws.macInstanceType} beyond the ${declared} declared (${pool.platform}; peak ${pool.peakHosts}, held all month)`,
            extra,
            macHost(settings.aws.macInstanceType),
          ),
        );
    } else {
      // vSphere VMs run on owned hardware: what costs is how many hosts the busiest moment needs.
      macPeak.set(platform.arch, (macPeak.get(platform.arch) ?? 0) + pool.peakHosts);
    }
  }
  for (const [arch, vms] of macPeak)
    licences.push(line(`Mac host ${arch} (vSphere site, amortised; peak ${vms} VM(s))`, macHostsFor(vms, site.vmsPerHost), site.macHostMonthly));
  const downloadGb = windowsBuilds * TRAFFIC_ASSUMPTIONS.windowsDownloadGbPerBuild * DAYS_PER_MONTH;
  const uploadGb = windowsBuilds * TRAFFIC_ASSUMPTIONS.windowsUploadGbPerBuild * DAYS_PER_MONTH;
  // A managed NAT gateway charges per GB it processes; a NAT instance does not (data in is free,
  // data out is the traffic line below). Priced only if a stack still declares a managed gateway.
  if (downloadGb + uploadGb > 0 && resources.some((resource) => resource.type === 'aws:ec2/natGateway:NatGateway'))
    nat.push(line('AWS NAT data processing (GB, Windows dependency downloads and uploads)', downloadGb + uploadGb, AWS_PER_GB.natProcessing));
  else if (downloadGb + uploadGb > 0)
    nat.push(line('AWS NAT instance data (GB through it, Windows downloads and uploads; no processing charge)', downloadGb + uploadGb, 0));
  const traffic =
    uploadGb > TRAFFIC_ASSUMPTIONS.awsFreeEgressGb
      ? [line('AWS data out to the internet (GB beyond the free 100)', uploadGb - TRAFFIC_ASSUMPTIONS.awsFreeEgressGb, AWS_PER_GB.internetEgress)]
      : [];
  return {
    core,
    builders: builders.filter((entry) => entry.quantity > 0),
    spot: spot.filter((entry) => entry.quantity > 0),
    nat,
    traffic,
    licences,
    windows: windows && windows.spotHours + windows.fallbackHours > 0 ? windows : null,
    hourlyBilling,
  };
}

/**
 * What an idle stack still runs: every pool at its `min` hosts all day, no builds (a pool nothing
 * scales, such as the Mac hosts, keeps `min` = its size). Priced like a simulated day.
 */
export function idleUsage(poolSizes: Readonly<Record<string, { readonly min: number }>>): PoolUsage[] {
  return Object.entries(poolSizes)
    .filter(([, size]) => size.min > 0)
    .map(([platform, size]) => ({
      platform,
      family: findPlatform(platform)?.os ?? 'unknown',
      builds: 0,
      hostHoursPerDay: 24 * size.min,
      hostHoursRoundedUpPerDay: 24 * size.min,
      peakHosts: size.min,
    }));
}

/** The total of every section (`hourlyBilling` only explains). */
export function elasticTotal(estimate: ElasticEstimate): number {
  const sections = [estimate.core, estimate.builders, estimate.spot, estimate.nat, estimate.traffic, estimate.licences];
  return round(sections.flat().reduce((sum, entry) => sum + entry.monthly, 0));
}

/** What the Windows hours would cost all on demand, licence included, less what they cost now. */
export function allOnDemandExtra(estimate: ElasticEstimate): number {
  const w = estimate.windows;
  if (!w) return 0;
  return round(w.spotHours * (w.onDemandComputeHourly - w.spotComputeHourly));
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

function ec2(type: string): { linux: number; windows: number } {
  const price = EC2_HOURLY[type];
  if (price === undefined) throw new UnpricedSizeError(`instance type '${type}' has no price in infra/cost/prices.ts`);
  return price;
}

function line(item: string, quantity: number, unit: number): CostLine {
  return { item, quantity: round(quantity), unitMonthly: unit, monthly: round(quantity * unit) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A Markdown table per section, then the total. */
export function renderElasticEstimate(estimate: ElasticEstimate): string {
  const sections: Array<[string, CostLine[]]> = [
    ['Always-on core', estimate.core],
    ['Builders (on demand, simulated host-hours; every builder’s disk)', estimate.builders],
    ['Windows builders on Spot, with the on-demand fallback (simulated host-hours)', estimate.spot],
    ['NAT', estimate.nat],
    ['Traffic', estimate.traffic],
    ['Licences and hardware', estimate.licences],
  ];
  const table = (lines: CostLine[]) =>
    [
      '| item | quantity | USD/unit | USD/month |',
      '|---|---:|---:|---:|',
      ...lines.map((entry) => `| ${entry.item} | ${entry.quantity} | ${entry.unitMonthly.toFixed(4)} | ${entry.monthly.toFixed(2)} |`),
    ].join('\n');
  const parts = sections.map(
    ([title, lines]) =>
      `${title}: $${round(lines.reduce((sum, entry) => sum + entry.monthly, 0)).toFixed(2)}/month\n${lines.length > 0 ? table(lines) : '(none)'}`,
  );
  const spot = estimate.windows
    ? `\nWindows all on demand instead (not in the total): +$${allOnDemandExtra(estimate).toFixed(2)}/month (Spot compute at ${percent(estimate.windows.spotComputeHourly / estimate.windows.onDemandComputeHourly)} of on demand; the licence is the same either way)`
    : '';
  const hourly =
    estimate.hourlyBilling.length > 0
      ? `\nIf droplets were billed per started hour instead of per second (not in the total): +$${round(estimate.hourlyBilling.reduce((sum, entry) => sum + entry.monthly, 0)).toFixed(2)}/month`
      : '';
  return `${parts.join('\n\n')}\n${spot}${hourly}\n\nTotal: $${elasticTotal(estimate).toFixed(2)}/month`;
}
