/**
 * The scaler: sizes each builder pool from its platform's queue and its workers' heartbeats.
 * Decisions are pure (pool-decision.ts); providers sit behind `PoolProvider`. It never imports
 * infra or @pulumi/*: pool limits and templates reach it as configuration.
 */
export { decidePool, EMPTY_MEMORY } from './pool-decision.ts';
export type { PoolDecision, PoolHost, PoolLimits, PoolMemory, PoolObservation, ScalingSettings, WorkerHeartbeat } from './pool-decision.ts';
export { ProviderError, type PoolProvider } from './pool-provider.ts';
export { AwsAutoScalingPool, type AwsAutoScalingPoolOptions } from './aws-auto-scaling-pool.ts';
export { DigitalOceanDropletPool, type DigitalOceanPoolOptions, type DropletTemplate } from './digitalocean-droplet-pool.ts';
