/**
 * What a stack renders for its Linux hosts, taken from the Pulumi program run under mocks exactly
 * as the cost estimate runs it (infra/preview/declare-offline.ts), but with real secrets: NATS
 * credentials from scripts/stack-credentials.ts and a farm CA made with openssl. Each droplet's
 * cloud-config is parsed; each private address is given a loopback address of its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PLATFORMS } from '../../images/index.ts';
import { declareOffline, readStackFile } from '../../infra/preview/declare-offline.ts';
import { placeholderSecrets } from '../../infra/preview/placeholder-secrets.ts';
import type { FarmTls, NatsAuth } from '../../infra/stack-config.ts';
import { dropletName, loadConfig as loadScalerConfig } from '../../scaler/index.ts';
import { newNatsKeys } from '../nats-auth.ts';
import { farmTls, stackNatsAuth } from '../stack-credentials.ts';

/** One file of a cloud-config's `write_files`. */
export interface WrittenFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: string;
  readonly owner: string;
}

/** A parsed `#cloud-config`. */
export interface CloudConfigDocument {
  readonly packages: readonly string[];
  readonly files: readonly WrittenFile[];
  readonly commands: readonly string[];
  /** `bootcmd`: run before the rest at every boot (the private droplets' route through the VPC gateway). */
  readonly bootCommands: readonly string[];
}

/** A droplet of the stack, as the rehearsal boots it. */
export interface RenderedHost {
  /** Droplet name (its hostname). */
  readonly name: string;
  /** `role:` tag. */
  readonly role: string;
  /** `platform:` tag of builders. */
  readonly platformId?: string;
  /** Private address the mocks gave it (10.x): never contacted, only mapped. */
  readonly privateAddress: string;
  /** Started from its pool's template in the scaler's SCALER_POOLS, as the scaler would, rather than declared. */
  readonly scaled?: boolean;
  /** The loopback address standing in for it. */
  readonly loopback: string;
  readonly cloudConfig: CloudConfigDocument;
}

/** The whole rendered stack. */
export interface RenderedStack {
  readonly stack: string;
  readonly domain: string;
  readonly hosts: readonly RenderedHost[];
  readonly outputs: Record<string, unknown>;
  readonly natsAuth: NatsAuth;
  readonly tls: FarmTls;
  /** Platforms of pools declared outside DigitalOcean (AWS, vSphere): listed, not booted. */
  readonly remotePools: readonly { readonly platformId: string; readonly provider: string; readonly kind: string }[];
}

/** Parses a `#cloud-config` user-data document. */
export function parseCloudConfig(userData: string): CloudConfigDocument {
  if (!userData.startsWith('#cloud-config\n')) throw new Error('user data is not a #cloud-config document');
  const document = parse(userData) as { packages?: string[]; write_files?: WrittenFile[]; runcmd?: (string | string[])[]; bootcmd?: string[] };
  return {
    packages: document.packages ?? [],
    files: (document.write_files ?? []).map((file) => ({
      path: file.path,
      content: file.content,
      permissions: file.permissions ?? '0644',
      owner: file.owner ?? 'root:root',
    })),
    commands: (document.runcmd ?? []).map((command) => (Array.isArray(command) ? command.join(' ') : command)),
    bootCommands: document.bootcmd ?? [],
  };
}

const tagValue = (tags: readonly string[], prefix: string) => tags.find((tag) => tag.startsWith(prefix))?.slice(prefix.length);

/** Runs the stack's program under mocks with fresh real credentials kept in `workDir`. */
export async function renderStack(repoRoot: string, stack: string, workDir: string): Promise<RenderedStack> {
  const config = readStackFile(repoRoot, stack);
  const domain = config['rfarm:domain'];
  if (typeof domain !== 'string') throw new Error(`stacks/Pulumi.${stack}.yaml sets no rfarm:domain`);
  const tlsDir = join(workDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const natsAuth = await stackNatsAuth(
    newNatsKeys(),
    stack,
    PLATFORMS.map((platform) => platform.id),
  );
  const tls = farmTls(tlsDir, stack, domain);
  // Kept with the TLS material (0700), for looking into a farm left running with --keep.
  writeFileSync(join(tlsDir, 'nats-auth.json'), JSON.stringify(natsAuth), { mode: 0o600 });
  const secrets = { ...placeholderSecrets(), 'rfarm:natsAuth': JSON.stringify(natsAuth), 'rfarm:farmTls': JSON.stringify(tls) };
  const run = await declareOffline(repoRoot, stack, secrets);
  const droplets = run.resources.filter((resource) => resource.type === 'digitalocean:index/droplet:Droplet');
  const hosts = droplets.map((droplet, index): RenderedHost => {
    const tags = droplet.inputs.tags as string[];
    return {
      name: droplet.inputs.name as string,
      role: tagValue(tags, 'role:') ?? 'unknown',
      platformId: tagValue(tags, 'platform:'),
      privateAddress: String(droplet.outputs?.ipv4AddressPrivate ?? ''),
      loopback: `127.0.0.${index + 2}`,
      cloudConfig: parseCloudConfig(droplet.inputs.userData as string),
    };
  });
  const all = [...hosts, ...scaledBuilders(hosts, hosts.length)];
  const remotePools = Object.entries(run.outputs.poolSizes as Record<string, { provider: string; kind: string }>)
    .filter(([, pool]) => pool.provider !== 'digitalocean')
    .map(([platformId, pool]) => ({ platformId, provider: pool.provider, kind: pool.kind }));
  return { stack, domain, hosts: all, outputs: run.outputs, natsAuth, tls, remotePools };
}

/** Where the control plane that runs the scaler keeps its environment (infra/user-data/services.ts). */
const SCALER_ENV = '/etc/rfarm/scaler.env';

/**
 * One builder per Linux pool that declares none (the stacks' `desired: 0`), made from the pool's
 * template in the scaler's environment, as the scaler makes it when a build queues. The scaler runs
 * on one control plane only (prod has two, in no set order under mocks), so its environment is
 * taken from the control plane that writes it; two that write it would be two racing scalers.
 * Its private address is a made-up 10.254.x.y that only names it (never contacted).
 */
export function scaledBuilders(declared: readonly RenderedHost[], offset: number): RenderedHost[] {
  const withScaler = declared.filter((host) => host.role === 'control-plane' && host.cloudConfig.files.some((file) => file.path === SCALER_ENV));
  if (withScaler.length > 1) throw new Error(`${withScaler.map((host) => host.name).join(' and ')} each run a scaler (${SCALER_ENV}); two scalers would race`);
  const env = withScaler[0]?.cloudConfig.files.find((file) => file.path === SCALER_ENV);
  if (!env) return [];
  const pools = loadScalerConfig(parseEnvFile(env.content)).pools.flatMap((pool) => (pool.provider === 'digitalocean' ? [pool] : []));
  return pools
    .filter((pool) => !declared.some((host) => host.role === 'builder' && host.platformId === pool.platform))
    .map((pool, index) => ({
      name: dropletName(pool.tag),
      role: 'builder',
      platformId: pool.platform,
      privateAddress: `10.254.${Math.floor(index / 250)}.${(index % 250) + 1}`,
      loopback: `127.0.0.${offset + index + 2}`,
      cloudConfig: parseCloudConfig(pool.template.userData),
      scaled: true,
    }));
}

/**
 * The stack's DigitalOcean pools (its `poolSizes` output) that may run a host but have no builder
 * here, neither declared nor from the scaler's templates: the rehearsal cannot stand in for them.
 */
export function linuxPoolsWithoutBuilder(stack: Pick<RenderedStack, 'outputs' | 'hosts'>): string[] {
  const sizes = (stack.outputs.poolSizes ?? {}) as Record<string, { provider: string; max: number }>;
  return Object.entries(sizes)
    .filter(
      ([platformId, pool]) =>
        pool.provider === 'digitalocean' && pool.max > 0 && !stack.hosts.some((host) => host.role === 'builder' && host.platformId === platformId),
    )
    .map(([platformId]) => platformId);
}

/** The file a host's cloud-config writes at `path`, or an error naming the host. */
export function fileOf(host: RenderedHost, path: string): WrittenFile {
  const file = host.cloudConfig.files.find((candidate) => candidate.path === path);
  if (!file) throw new Error(`${host.name}'s user data writes no ${path}`);
  return file;
}

/** `KEY=value` lines (an EnvironmentFile) as a map. */
export function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** One systemd unit's `[Service]` settings the rehearsal honours. */
export interface ServiceUnit {
  readonly execStart: string;
  readonly workingDirectory?: string;
  readonly environmentFile?: string;
  readonly user?: string;
}

/** Parses a rendered systemd unit. */
export function parseUnit(text: string): ServiceUnit {
  const setting = (key: string) =>
    text
      .split('\n')
      .find((line) => line.startsWith(`${key}=`))
      ?.slice(key.length + 1);
  const execStart = setting('ExecStart');
  if (!execStart) throw new Error(`unit has no ExecStart:\n${text}`);
  return { execStart, workingDirectory: setting('WorkingDirectory'), environmentFile: setting('EnvironmentFile'), user: setting('User') };
}
