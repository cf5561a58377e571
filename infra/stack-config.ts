/**
 * The typed stack configuration: every knob of a stack, validated once.
 *
 * `infra/index.ts` reads Pulumi config (plain keys and `--secret` keys) and hands the raw values
 * to `parseStackConfig`, which reports every problem at once and returns a frozen `StackConfig`.
 * Components receive slices of it as args; none of them reads config themselves.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { OperatingSystem } from '../images/index.ts';

/** Size of one builder pool: the autoscaler (or the operator) moves between `min` and `max`. */
export interface PoolSize {
  /** Fewest hosts; 0 lets the pool scale to zero. */
  readonly min: number;
  /** Most hosts. */
  readonly max: number;
  /** Hosts declared now (Linux droplets, vSphere VMs, Solaris hosts) or the ASG's starting capacity. */
  readonly desired: number;
}

/** Droplet sizes (DigitalOcean slugs) per role. */
export interface DropletSizes {
  readonly builder: string;
  readonly controlPlane: string;
  readonly nats: string;
  readonly monitoring: string;
  readonly logs: string;
  /** The VPC gateway droplet that forwards the private droplets' traffic (infra/digitalocean/network.ts). */
  readonly gateway: string;
}

/** DigitalOcean side: the core of the farm and the Linux builders. */
export interface DigitalOceanConfig {
  /** Region slug, e.g. "fra1". */
  readonly region: string;
  /** Private range of the VPC, e.g. "10.60.0.0/20". */
  readonly vpcCidr: string;
  readonly sizes: DropletSizes;
  /** Base image of every droplet (the worker image runs in Docker on it). */
  readonly dropletImage: string;
  /** Block volume per NATS node (JetStream store), GB. */
  readonly natsVolumeGb: number;
  /** Block volume of the log server (Loki chunks), GB. */
  readonly logsVolumeGb: number;
  /** Block volume of the monitoring droplet (Prometheus TSDB), GB. */
  readonly monitoringVolumeGb: number;
  /** Container registry subscription tier: starter | basic | professional. */
  readonly registryTier: string;
  /** Load balancer size units (1 unit ≈ 10k connections). */
  readonly loadBalancerUnits: number;
  /** SSH key fingerprints or ids added to every droplet (login still needs an admin CIDR). */
  readonly sshKeys: readonly string[];
}

/** AWS side: Windows builders and (by default) the Solaris hosts. */
export interface AwsConfig {
  /** Region, from the provider's `aws:region`. */
  readonly region: string;
  /** Private range of the VPC, e.g. "10.61.0.0/16". */
  readonly vpcCidr: string;
  /** How many availability zones the private subnets span. */
  readonly availabilityZones: number;
  /** Instance type of Windows builders. */
  readonly windowsInstanceType: string;
  /** Root volume of Windows builders, GB. */
  readonly windowsVolumeGb: number;
  /** Instance type of Solaris KVM hosts: must support nested virtualization (C8i, M8i, R8i). */
  readonly solarisInstanceType: string;
  /** Root volume of Solaris KVM hosts (holds the guest disk), GB. */
  readonly solarisVolumeGb: number;
  /** EC2 Mac instance type of macOS arm64 builders, one per dedicated host (mac2.metal, mac2-m2.metal). */
  readonly macInstanceType: string;
  /** Root volume of EC2 Mac builders, GB. */
  readonly macVolumeGb: number;
  /** Instance type of the VPC's NAT instance: a small Graviton type (t4g.nano), arm64 Debian. */
  readonly natInstanceType: string;
}

/** Solaris guests: where they run and where their disk image comes from. */
export interface SolarisConfig {
  /** `aws`: a KVM guest on a nested-virtualization EC2 instance; `vsphere`: a VM on the on-site hosts. */
  readonly placement: 'aws' | 'vsphere';
  /** S3 bucket holding the Solaris 11.4 x86 guest disk image (qcow2). */
  readonly imageBucket: string;
  /** Object key of the guest image in that bucket. */
  readonly imageKey: string;
  /** vSphere template to clone when placement is `vsphere`. */
  readonly vsphereTemplate: string;
}

/** vSphere side: the Intel Mac hosts (and Solaris when placed there). Cloning needs vCenter. */
export interface VsphereConfig {
  readonly datacenter: string;
  /** Resource pool (or cluster/Resources path) the VMs run in. */
  readonly resourcePool: string;
  readonly datastore: string;
  /** Port group the VMs attach to. */
  readonly network: string;
  /** VM folder the stack creates for its builders, e.g. rfarm/prod; its parent folder must exist. */
  readonly folder: string;
  /**
   * Template to clone for macOS x86_64 (Intel Macs). There is no arm64 template: ESXi does not run
   * on Apple silicon, so macOS arm64 builds on EC2 Mac hosts (`aws.macInstanceType`).
   */
  readonly templates: { readonly x86_64: string };
  readonly cpus: number;
  readonly memoryMb: number;
  /** Public egress range of the site, allowed to reach NATS, metrics and logs. */
  readonly egressCidr: string;
  /** Monthly cost of one Mac host (hardware amortised plus colocation) for the estimate, USD. */
  readonly hostMonthlyUsd: number;
  /** Builder VMs one Mac host carries (Apple licensing allows two macOS guests per host). */
  readonly vmsPerHost: number;
}

/** Secrets, each set with `pulumi config set --secret` and held as secret outputs. */
export interface StackSecrets {
  /** Bearer token of the control plane's admin API (`FARM_ADMIN_TOKEN`). */
  readonly adminToken: pulumi.Output<string>;
  /** Password of the SMTP account the control plane sends mail through. */
  readonly smtpPassword: pulumi.Output<string>;
  /** Secret GitHub signs webhook deliveries with (`FARM_GITHUB_WEBHOOK_SECRET`). */
  readonly githubWebhookSecret: pulumi.Output<string>;
  /** DigitalOcean API token with registry write scope, used to push the worker images. */
  readonly registryToken: pulumi.Output<string>;
  /** Read-only DigitalOcean token (custom scope `droplet:read`) Prometheus discovers the stack's droplets with. */
  readonly discoveryToken: pulumi.Output<string>;
  /** NATS decentralised auth, JSON from `npm run nats-credentials` (scripts/nats-credentials.ts). */
  readonly natsAuth: pulumi.Output<NatsAuth>;
  /** The farm CA and the `*.domain` server certificate, JSON from the same script. */
  readonly farmTls: pulumi.Output<FarmTls>;
  /**
   * DigitalOcean API token with droplet read/write scope for the scaler (`rfarm:scalerToken`).
   * Optional: without it the Linux pools stay at their declared size (only AWS pools are scaled).
   */
  readonly scalerToken?: pulumi.Output<string>;
  /** Private SSH key (OpenSSH PEM) that logs in to the site's Mac minis (`rfarm:macSiteSshKey`); needed with `rfarm:macSite`. */
  readonly macSiteSshKey?: pulumi.Output<string>;
}

/** One Apple-silicon Mac the farm's own site registers, reached over SSH from where `pulumi up` runs. */
export interface SiteMac {
  /** Address or name `pulumi up` reaches it at. */
  readonly address: string;
  /** An administrator account (passwordless sudo) the key logs in as. */
  readonly user: string;
}

/**
 * Owned Mac minis at the farm's site for macOS arm64 (`rfarm:macSite`), in place of EC2 Mac
 * dedicated hosts; a stack without it keeps the EC2 Macs.
 */
export interface MacSiteConfig {
  /** The registered hosts; the arm64 pool uses the first `desired` of them. */
  readonly hosts: readonly SiteMac[];
  /** Their hardware, a MACHINE_SHAPES key with a price in prices.ts MAC_MINI (e.g. mac-mini-m2-16gb). */
  readonly machine: string;
}

/** NATS operator-mode material: JWTs are public, the `.creds` files are not. */
export interface NatsAuth {
  readonly operatorJwt: string;
  readonly systemAccount: string;
  /** Account public key → account JWT, preloaded into every server's resolver. */
  readonly accountJwts: Readonly<Record<string, string>>;
  /** Credentials of the control plane's NATS user. */
  readonly controlPlaneCreds: string;
  /** Credentials per platform id: one NATS user per agent pool, allowed only its own subjects. */
  readonly agentCreds: Readonly<Record<string, string>>;
  /** Credentials of the scaler's NATS user (queue depths and heartbeats only); no scaler without them. */
  readonly scalerCreds?: string;
  /** Credentials of the backup service's NATS user (stream snapshots); no scheduled backups without them. */
  readonly backupCreds?: string;
}

/** PEM material of the farm's own CA (NATS, metrics and log links across clouds). */
export interface FarmTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Every knob of one stack. */
export interface StackConfig {
  /** Pulumi stack name, e.g. "dev". */
  readonly stack: string;
  /** Public DNS name of the control plane, e.g. "farm.example.org". */
  readonly domain: string;
  /** DigitalOcean-managed DNS zone the farm's records and certificate live in. */
  readonly dnsZone: string;
  /** Git repository every non-container host checks out into /opt/rfarm. */
  readonly sourceRepo: string;
  /** Branch, tag or commit of that checkout. */
  readonly sourceRef: string;
  /** CIDRs allowed to SSH and to reach Grafana; empty (the default) closes both. */
  readonly adminCidrs: readonly string[];
  /** SMTP server the control plane sends through, without password: smtp://user@host:587. */
  readonly smtpUrl: string;
  /** R repositories agents install dependencies from (`FARM_R_REPOS`). */
  readonly rRepos: string;
  /** Control plane droplets behind the load balancer. */
  readonly controlPlaneInstances: number;
  /** NATS cluster nodes and JetStream stream replicas. */
  readonly nats: { readonly nodes: number; readonly jetstreamReplicas: number };
  /** Pool size per OS, then per platform id where one differs. */
  readonly pools: {
    readonly defaults: Readonly<Record<OperatingSystem, PoolSize>>;
    readonly overrides: Readonly<Record<string, PoolSize>>;
  };
  readonly digitalocean: DigitalOceanConfig;
  readonly aws: AwsConfig;
  readonly solaris: SolarisConfig;
  readonly vsphere: VsphereConfig;
  /** Owned Mac minis for macOS arm64; absent: EC2 Mac hosts. */
  readonly macSite?: MacSiteConfig;
  readonly secrets: StackSecrets;
}

/** Config keys (under the `rfarm:` namespace) that must only ever be set with `--secret`. */
export const SECRET_KEYS = [
  'adminToken',
  'smtpPassword',
  'githubWebhookSecret',
  'registryToken',
  'discoveryToken',
  'natsAuth',
  'farmTls',
  'scalerToken',
  'macSiteSshKey',
] as const;

/** Raised with every problem of a stack's config at once. */
export class StackConfigError extends Error {
  override name = 'StackConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`stack config has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  }
}

/** The plain (non-secret) values of a stack, as `pulumi.Config.getObject` returns them. */
export type RawStackConfig = Readonly<Record<string, unknown>>;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const OPERATING_SYSTEMS: readonly OperatingSystem[] = ['linux', 'windows', 'macos', 'solaris'];

/** Validates raw config into a frozen `StackConfig`, or throws `StackConfigError` listing every problem. */
export function parseStackConfig(stack: string, raw: RawStackConfig, secrets: StackSecrets): StackConfig {
  const problems: string[] = [];
  const read = new ConfigReader(raw, problems);
  const adminCidrs = read.list('adminCidrs', []);
  for (const cidr of adminCidrs) if (!CIDR.test(cidr)) problems.push(`rfarm:adminCidrs: '${cidr}' is not an IPv4 CIDR such as 203.0.113.7/32`);
  if (adminCidrs.some((cidr) => cidr.endsWith('/0'))) problems.push('rfarm:adminCidrs: /0 would open SSH to the world; list your own addresses');
  const poolsRaw = read.object('pools');
  const defaultsRaw = asRecord(poolsRaw.defaults);
  const defaults = Object.fromEntries(OPERATING_SYSTEMS.map((os) => [os, poolSize(`rfarm:pools.defaults.${os}`, defaultsRaw[os], problems)])) as Record<
    OperatingSystem,
    PoolSize
  >;
  const overrides = Object.fromEntries(
    Object.entries(asRecord(poolsRaw.overrides)).map(([id, value]) => [id, poolSize(`rfarm:pools.overrides.${id}`, value, problems)]),
  );
  const natsRaw = read.object('nats');
  const nats = {
    nodes: numberIn('rfarm:nats.nodes', natsRaw.nodes, problems),
    jetstreamReplicas: numberIn('rfarm:nats.jetstreamReplicas', natsRaw.jetstreamReplicas, problems),
  };
  if (nats.jetstreamReplicas > nats.nodes)
    problems.push(`rfarm:nats.jetstreamReplicas (${nats.jetstreamReplicas}) cannot exceed rfarm:nats.nodes (${nats.nodes})`);
  if (nats.nodes % 2 === 0) problems.push(`rfarm:nats.nodes is ${nats.nodes}; use an odd number so JetStream keeps a quorum`);
  const solaris = read.object('solaris') as unknown as SolarisConfig;
  if (solaris.placement !== 'aws' && solaris.placement !== 'vsphere')
    problems.push(`rfarm:solaris.placement is '${String(solaris.placement)}'; use 'aws' or 'vsphere'`);
  const config: StackConfig = {
    stack,
    domain: read.text('domain'),
    dnsZone: read.text('dnsZone'),
    sourceRepo: read.text('sourceRepo'),
    sourceRef: read.text('sourceRef'),
    adminCidrs,
    smtpUrl: read.text('smtpUrl'),
    rRepos: read.text('rRepos'),
    controlPlaneInstances: numberIn('rfarm:controlPlaneInstances', raw.controlPlaneInstances, problems),
    nats,
    pools: { defaults, overrides },
    digitalocean: read.object('digitalocean') as unknown as DigitalOceanConfig,
    aws: read.object('aws') as unknown as AwsConfig,
    solaris,
    vsphere: read.object('vsphere') as unknown as VsphereConfig,
    ...(raw.macSite === undefined ? {} : { macSite: raw.macSite as MacSiteConfig }),
    secrets,
  };
  if (config.macSite) {
    const hosts = Array.isArray(config.macSite.hosts) ? config.macSite.hosts : [];
    if (hosts.length === 0 || hosts.some((host) => typeof host?.address !== 'string' || typeof host?.user !== 'string'))
      problems.push('rfarm:macSite.hosts must list the site Macs as { address, user }; drop rfarm:macSite to use EC2 Mac hosts');
    if (typeof config.macSite.machine !== 'string') problems.push('rfarm:macSite.machine is missing, e.g. mac-mini-m2-16gb');
    if (!secrets.macSiteSshKey) problems.push('rfarm:macSite needs its SSH key: pulumi config set --secret rfarm:macSiteSshKey < key');
  }
  if (config.smtpUrl && /:[^/@]*@/.test(config.smtpUrl)) problems.push('rfarm:smtpUrl carries a password; drop it and set rfarm:smtpPassword with --secret');
  if (config.digitalocean.vpcCidr && !CIDR.test(config.digitalocean.vpcCidr)) problems.push('rfarm:digitalocean.vpcCidr is not an IPv4 CIDR');
  if (config.aws.vpcCidr && !CIDR.test(config.aws.vpcCidr)) problems.push('rfarm:aws.vpcCidr is not an IPv4 CIDR');
  if (!/^mac\d/.test(String(config.aws.macInstanceType)))
    problems.push(
      `rfarm:aws.macInstanceType is '${String(config.aws.macInstanceType)}'; use an EC2 Mac type such as mac2.metal (macOS arm64 needs Apple hardware)`,
    );
  // The AMI the NAT instance boots is Debian's arm64 one: a Graviton type (t4g, c7g, …).
  if (!/^[a-z]+\d+g[a-z]*\.\w+$/.test(String(config.aws.natInstanceType)))
    problems.push(
      `rfarm:aws.natInstanceType is '${String(config.aws.natInstanceType)}'; use a small Graviton (arm64) type such as t4g.nano: the NAT instance boots Debian's arm64 AMI`,
    );
  if (typeof asRecord(config.digitalocean.sizes).gateway !== 'string')
    problems.push('rfarm:digitalocean.sizes.gateway is missing; set the VPC gateway droplet size, e.g. s-1vcpu-1gb');
  if ('arm64' in asRecord(config.vsphere.templates))
    problems.push(
      'rfarm:vsphere.templates.arm64 cannot work: ESXi does not run on Apple silicon; macOS arm64 builds on EC2 Mac hosts (rfarm:aws.macInstanceType)',
    );
  if (problems.length > 0) throw new StackConfigError(problems);
  return deepFreeze(config);
}

class ConfigReader {
  constructor(
    private readonly raw: RawStackConfig,
    private readonly problems: string[],
  ) {}
  text(key: string): string {
    const value = this.raw[key];
    if (typeof value === 'string' && value.length > 0) return value;
    this.problems.push(`rfarm:${key} is missing; set it with \`pulumi config set rfarm:${key} <value>\``);
    return '';
  }
  list(key: string, fallback: string[]): string[] {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    this.problems.push(`rfarm:${key} must be a list of strings`);
    return fallback;
  }
  object(key: string): Record<string, unknown> {
    const value = this.raw[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problems.push(`rfarm:${key} is missing; set it as an object in stacks/Pulumi.<stack>.yaml`);
    return {};
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function numberIn(key: string, value: unknown, problems: string[]): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  problems.push(`${key} must be a whole number ≥ 0 (got ${JSON.stringify(value)})`);
  return 0;
}

function poolSize(key: string, value: unknown, problems: string[]): PoolSize {
  const raw = asRecord(value);
  const size = {
    min: numberIn(`${key}.min`, raw.min, problems),
    max: numberIn(`${key}.max`, raw.max, problems),
    desired: numberIn(`${key}.desired`, raw.desired, problems),
  };
  if (size.min > size.desired || size.desired > size.max) problems.push(`${key}: need min ≤ desired ≤ max (got ${size.min} ≤ ${size.desired} ≤ ${size.max})`);
  return size;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !isPulumiOutput(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function isPulumiOutput(value: object): boolean {
  return '__pulumiOutput' in value;
}
