/**
 * The scaler's entry point (`npm run scaler`): connects to the farm, builds one provider per
 * pool and runs a pass every interval, logging each pool's decision as JSON. Stops on SIGTERM.
 */
import pino from 'pino';
import { connectFarm } from '../protocol/index.ts';
import { AwsAutoScalingPool } from './aws-auto-scaling-pool.ts';
import { AwsSpotFallbackPool } from './aws-spot-fallback-pool.ts';
import { loadConfig, type PoolConfig, type ScalerConfig } from './config.ts';
import { DigitalOceanDropletPool } from './digitalocean-droplet-pool.ts';
import { observeFarm } from './farm-observation.ts';
import type { PoolProvider } from './pool-provider.ts';
import { Scaler } from './scaler.ts';

const log = pino({ name: 'rfarm-scaler' });
const config = loadConfig();
const farm = await connectFarm({ servers: config.natsServers, credsFile: config.natsCredsFile, replicas: config.replicas, name: 'rfarm-scaler', scaler: true });
const scaler = new Scaler(
  config.pools.map((pool) => ({
    platform: pool.platform,
    limits: { min: pool.min, max: pool.max },
    provider: providerFor(pool, config),
    settings: {
      ...(pool.backlogPerHost === undefined ? {} : { backlogPerHost: pool.backlogPerHost }),
      ...(pool.agentsPerHost === undefined ? {} : { agentsPerHost: pool.agentsPerHost }),
      ...(pool.coolDownSeconds === undefined ? {} : { coolDownMs: pool.coolDownSeconds * 1000 }),
    },
  })),
  { coolDownMs: config.coolDownSeconds * 1000, bootDeadlineMs: config.bootDeadlineSeconds * 1000 },
  () => observeFarm(farm),
);
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));
while (!stopping) {
  try {
    for (const result of await scaler.pass()) {
      if ('error' in result) {
        log.error({ platform: result.platform, err: result.error }, 'pool not scaled');
        continue;
      }
      if (result.settled) log.warn({ platform: result.platform }, result.settled);
      if (result.decision.launch > 0 || result.decision.remove.length > 0)
        log.info({ platform: result.platform, launch: result.decision.launch, remove: result.decision.remove }, result.decision.reason);
    }
  } catch (error) {
    log.error({ err: error }, 'could not observe the farm');
  }
  await new Promise((resolve) => setTimeout(resolve, config.intervalSeconds * 1000));
}
await farm.close();

function providerFor(pool: PoolConfig, settings: ScalerConfig): PoolProvider {
  if (pool.provider === 'digitalocean')
    return new DigitalOceanDropletPool({ token: settings.digitalOceanToken!, tag: pool.tag, template: pool.template, baseUrl: settings.digitalOceanApiUrl });
  if (pool.spotGroupName)
    return new AwsSpotFallbackPool({
      region: pool.region,
      spotGroupName: pool.spotGroupName,
      onDemandGroupName: pool.groupName,
      fallbackMs: settings.spotFallbackSeconds * 1000,
      endpoint: settings.awsAutoScalingEndpoint,
    });
  return new AwsAutoScalingPool({ region: pool.region, groupName: pool.groupName, endpoint: settings.awsAutoScalingEndpoint });
}
