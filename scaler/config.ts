/**
 * The scaler's configuration: every variable it reads, documented, validated at once, frozen.
 * `process.env` is read nowhere else in the scaler. Pool definitions arrive as one JSON variable
 * the stack renders (the scaler never imports infra).
 */
import { gunzipSync } from 'node:zlib';
import { parseServers } from '../protocol/index.ts';
import type { DropletTemplate } from './digitalocean-droplet-pool.ts';

/** What every pool of `SCALER_POOLS` gives, whatever its provider. */
interface PoolSizeConfig {
  readonly platform: string;
  readonly min: number;
  readonly max: number;
  readonly backlogPerHost?: number;
  /** Agents each host runs (one build each); capacity is counted in agents. Default 1. */
  readonly agentsPerHost?: number;
  /** Idle seconds before one of this pool's hosts may stop; default SCALER_COOL_DOWN_SECONDS. */
  readonly coolDownSeconds?: number;
}

/** One pool as `SCALER_POOLS` describes it. */
export type PoolConfig = PoolSizeConfig &
  (
    | { readonly provider: 'digitalocean'; readonly tag: string; readonly template: DropletTemplate }
    | {
        readonly provider: 'aws';
        /** The on-demand group (the pool's only group when there is no Spot group). */
        readonly groupName: string;
        /** The Spot group new hosts go to, `groupName` taking what it fails to start (Windows). */
        readonly spotGroupName?: string;
        readonly region: string;
      }
  );

export interface ScalerConfig {
  /** NATS_URL: comma-separated NATS servers. Default nats://127.0.0.1:4222. */
  readonly natsServers: string[];
  /** NATS_CREDS: path of the scaler's NATS credentials file (read-only on the builds stream and workers bucket). */
  readonly natsCredsFile?: string;
  /** FARM_JETSTREAM_REPLICAS: replicas if the scaler is the first to create the farm's stores (as the agent's). Default 1. */
  readonly replicas: number;
  /**
   * SCALER_POOLS: JSON list of pools: platform, min, max, optional backlogPerHost, agentsPerHost and coolDownSeconds, and provider
   * `digitalocean` (tag, template) or `aws` (groupName, optional spotGroupName, region). `base64:` followed by the JSON in
   * base64, or `gzip+base64:` followed by it gzipped then in base64, is read too (the stack writes
   * the latter: the droplet templates' user-data repeat each other and must fit, with the rest of the
   * control plane's user-data, in DigitalOcean's 64 KiB; and cloud-init user-data in an env file is not
   * safe from systemd's quoting).
   */
  readonly pools: readonly PoolConfig[];
  /** SCALER_INTERVAL_SECONDS: time between passes. Default 15. */
  readonly intervalSeconds: number;
  /** SCALER_COOL_DOWN_SECONDS: idle time before a host stops, for pools that name no `coolDownSeconds`. Default 300. */
  readonly coolDownSeconds: number;
  /** SCALER_BOOT_DEADLINE_SECONDS: time a new host has to send its first heartbeat. Default 900. */
  readonly bootDeadlineSeconds: number;
  /**
   * SCALER_SPOT_FALLBACK_SECONDS: how long a pool's Spot group may stay short of the hosts it was
   * asked for before the shortfall starts in its on-demand group (at once on a failed Spot launch). Default 120.
   */
  readonly spotFallbackSeconds: number;
  /** DIGITALOCEAN_TOKEN: API token with droplet scope; required when a pool is on DigitalOcean. */
  readonly digitalOceanToken?: string;
  /** DIGITALOCEAN_API_URL: API base. Default https://api.digitalocean.com. */
  readonly digitalOceanApiUrl?: string;
  /** AWS_ENDPOINT_URL_AUTO_SCALING: Auto Scaling endpoint override (VPC endpoint). AWS credentials come from the SDK's default chain (the instance role). */
  readonly awsAutoScalingEndpoint?: string;
}

/** Every problem of the environment at once. */
export class ScalerConfigError extends Error {
  override name = 'ScalerConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`scaler configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  }
}

/** Reads and checks the environment; throws `ScalerConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ScalerConfig {
  const problems: string[] = [];
  const seconds = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value > 0) return value;
    problems.push(`${name} must be a whole number > 0 (got '${raw}')`);
    return fallback;
  };
  const pools = parsePools(env.SCALER_POOLS, problems);
  if (pools.some((pool) => pool.provider === 'digitalocean') && !env.DIGITALOCEAN_TOKEN)
    problems.push('DIGITALOCEAN_TOKEN is required: a pool in SCALER_POOLS is on DigitalOcean');
  const config: ScalerConfig = {
    natsServers: parseServers(env.NATS_URL ?? 'nats://127.0.0.1:4222'),
    natsCredsFile: env.NATS_CREDS || undefined,
    pools,
    replicas: seconds('FARM_JETSTREAM_REPLICAS', 1),
    intervalSeconds: seconds('SCALER_INTERVAL_SECONDS', 15),
    coolDownSeconds: seconds('SCALER_COOL_DOWN_SECONDS', 300),
    bootDeadlineSeconds: seconds('SCALER_BOOT_DEADLINE_SECONDS', 900),
    spotFallbackSeconds: seconds('SCALER_SPOT_FALLBACK_SECONDS', 120),
    digitalOceanToken: env.DIGITALOCEAN_TOKEN || undefined,
    digitalOceanApiUrl: env.DIGITALOCEAN_API_URL || undefined,
    awsAutoScalingEndpoint: env.AWS_ENDPOINT_URL_AUTO_SCALING || undefined,
  };
  if (problems.length > 0) throw new ScalerConfigError(problems);
  return Object.freeze(config);
}

function parsePools(raw: string | undefined, problems: string[]): PoolConfig[] {
  if (!raw) {
    problems.push(
      'SCALER_POOLS is missing; set it to the JSON list of pools the stack renders, e.g. [{"platform":"r-release-windows-x86_64","min":0,"max":6,"provider":"aws","groupName":"…","region":"us-east-1"}]',
    );
    return [];
  }
  let list: unknown;
  try {
    list = JSON.parse(
      raw.startsWith('gzip+base64:')
        ? gunzipSync(Buffer.from(raw.slice('gzip+base64:'.length), 'base64')).toString('utf8')
        : raw.startsWith('base64:')
          ? Buffer.from(raw.slice('base64:'.length), 'base64').toString('utf8')
          : raw,
    );
  } catch (error) {
    problems.push(`SCALER_POOLS is not JSON: ${(error as Error).message}`);
    return [];
  }
  if (!Array.isArray(list)) {
    problems.push('SCALER_POOLS must be a JSON list');
    return [];
  }
  list.forEach((entry: unknown, index) => {
    // Field by field below: each check narrows what it reads.
    const pool = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown> & { template?: Record<string, unknown> };
    const at = `SCALER_POOLS[${index}]`;
    if (typeof pool.platform !== 'string' || !pool.platform) problems.push(`${at}.platform must be a platform id`);
    const { min, max } = pool as { min: number; max: number };
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || min > max)
      problems.push(`${at}: need whole numbers 0 ≤ min ≤ max (got min ${min}, max ${max})`);
    for (const key of ['agentsPerHost', 'backlogPerHost', 'coolDownSeconds'] as const) {
      const value = pool[key];
      const least = key === 'agentsPerHost' ? 1 : 0;
      if (value !== undefined && (!Number.isInteger(value) || (value as number) < least))
        problems.push(`${at}.${key} must be a whole number ≥ ${least} (got ${JSON.stringify(value)})`);
    }
    if (pool.provider === 'digitalocean') {
      if (typeof pool.tag !== 'string' || !pool.tag) problems.push(`${at}.tag is required for a DigitalOcean pool`);
      for (const key of ['region', 'size', 'image', 'userData'])
        if (typeof pool.template?.[key] !== 'string') problems.push(`${at}.template.${key} is required for a DigitalOcean pool`);
    } else if (pool.provider === 'aws') {
      if (typeof pool.groupName !== 'string' || !pool.groupName) problems.push(`${at}.groupName is required for an AWS pool`);
      if (typeof pool.region !== 'string' || !pool.region) problems.push(`${at}.region is required for an AWS pool`);
      if (pool.spotGroupName !== undefined && (typeof pool.spotGroupName !== 'string' || !pool.spotGroupName || pool.spotGroupName === pool.groupName))
        problems.push(`${at}.spotGroupName must name the pool's Spot group, other than its on-demand groupName (got ${JSON.stringify(pool.spotGroupName)})`);
    } else problems.push(`${at}.provider must be 'digitalocean' or 'aws' (got ${JSON.stringify(pool.provider)})`);
  });
  return list as PoolConfig[];
}
