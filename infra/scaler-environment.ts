/**
 * The scaler's environment as the stack renders it (scaler/config.ts reads it): which pools it
 * sizes, within which bounds, through which provider. Pure; `test/infra/scaler-deployment.test.ts`
 * feeds the result to the scaler's own `loadConfig`.
 *
 * Ownership: a Linux pool's `desired` droplets are Pulumi's (always on); the scaler adds droplets
 * of its own, under their own tag, up to `max − desired`, and removes them when idle. The stacks
 * declare Linux `desired: 0`, so the scaler owns every Linux droplet from zero to `max`. A Windows
 * pool's Spot and on-demand groups, and a Solaris group, are the scaler's to size between the
 * pool's min and max (`desiredCapacity` is ignored by `pulumi up`). EC2 Mac hosts and vSphere VMs stay at their declared size.
 */
import { gzipSync } from 'node:zlib';
import type { PoolSize } from './stack-config.ts';

/** What a scaled droplet is made from: the pool's own builder template (`SCALER_POOLS[].template`). */
export interface ScaledDropletTemplate {
  readonly region: string;
  readonly size: string;
  readonly image: string;
  readonly userData: string;
  readonly vpcUuid: string;
  readonly sshKeys: readonly string[];
  /** Tags besides the pool's own: the firewall and role tags every builder carries. */
  readonly tags: readonly string[];
}

/** What every pool in the scaler's `SCALER_POOLS` lists, whatever its provider. */
interface ScaledPoolSize {
  readonly platform: string;
  readonly min: number;
  readonly max: number;
  /** Agents each host runs: the scaler counts capacity in agents. */
  readonly agentsPerHost: number;
  /** Waiting builds each live host absorbs before another starts (as in the simulated day). */
  readonly backlogPerHost: number;
  /** Idle seconds before one of the pool's hosts may stop (infra/sizing.ts `coolDownSecondsFor`). */
  readonly coolDownSeconds: number;
}

/** One pool as the scaler's `SCALER_POOLS` lists it. */
export type ScaledPool = ScaledPoolSize &
  (
    | { readonly provider: 'digitalocean'; readonly tag: string; readonly template: ScaledDropletTemplate }
    | {
        readonly provider: 'aws';
        /** The on-demand group (a Windows pool's fallback; a Solaris pool's only group). */
        readonly groupName: string;
        /** A Windows pool's Spot group, which new hosts go to. */
        readonly spotGroupName?: string;
        readonly region: string;
      }
  );

/** Inputs of the scaler's environment (secrets resolved). */
export interface ScalerEnvironmentInput {
  readonly natsUrls: readonly string[];
  readonly jetstreamReplicas: number;
  readonly pools: readonly ScaledPool[];
  /** Droplet-scope token; DigitalOcean pools are dropped without it. */
  readonly digitalOceanToken?: string;
  /** Keys of the scaler's IAM user (it runs on a droplet: no instance role); the stack makes one whenever it has AWS pools. */
  readonly aws?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly region: string };
}

/**
 * The tag of the droplets the scaler adds to a Linux pool (never on Pulumi's own droplets). The
 * scaler names its droplets `<tag>-<random>`, so the tag is hostname-safe (no `_`).
 */
export function scaledPoolTag(stack: string, platformId: string): string {
  return `rfarm-${stack}-scaled-${platformId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/** Bounds of the scaler's own droplets in a Linux pool: above Pulumi's `desired`, up to `max`. */
export function scaledDropletBounds(size: PoolSize): { min: number; max: number } {
  return { min: 0, max: Math.max(0, size.max - size.desired) };
}

/** `NATS_URL`, `NATS_CREDS`, `SCALER_POOLS` and the provider credentials of scaler/main.ts. */
export function scalerEnvironment(input: ScalerEnvironmentInput): Record<string, string> {
  const pools = input.pools.filter((pool) => (pool.provider === 'aws' || input.digitalOceanToken !== undefined) && pool.max > 0);
  return {
    NATS_URL: input.natsUrls.join(','),
    NATS_CREDS: '/etc/rfarm/scaler.creds',
    FARM_JETSTREAM_REPLICAS: String(input.jetstreamReplicas),
    NODE_EXTRA_CA_CERTS: '/etc/rfarm/farm-ca.pem',
    // Gzipped: every Linux pool's template carries a whole droplet user-data, and they differ little.
    SCALER_POOLS: `gzip+base64:${gzipSync(JSON.stringify(pools), { level: 9 }).toString('base64')}`,
    ...(input.digitalOceanToken !== undefined ? { DIGITALOCEAN_TOKEN: input.digitalOceanToken } : {}),
    ...(input.aws ? { AWS_ACCESS_KEY_ID: input.aws.accessKeyId, AWS_SECRET_ACCESS_KEY: input.aws.secretAccessKey, AWS_REGION: input.aws.region } : {}),
  };
}
