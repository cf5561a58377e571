/**
 * The scaler: sizes each builder pool from its platform's queue and its workers' heartbeats.
 * Decisions are pure (pool-decision.ts); providers sit behind `PoolProvider`. It never imports
 * infra or @pulumi/*: pool limits and templates reach it as configuration.
 */
export { agentWorkerId, decidePool, EMPTY_MEMORY } from './pool-decision.ts';
export type { PoolDecision, PoolHost, PoolLimits, PoolMemory, PoolObservation, ScalingSettings, WorkerHeartbeat } from './pool-decision.ts';
export { ProviderError, type PoolProvider } from './pool-provider.ts';
export { AwsAutoScalingPool, type AwsAutoScalingPoolOptions } from './aws-auto-scaling-pool.ts';
export { AwsSpotFallbackPool, type AwsSpotFallbackPoolOptions } from './aws-spot-fallback-pool.ts';
export {
  decideSpotFallback,
  isFailedSpotLaunch,
  NO_SHORTFALL,
  type GroupCapacity,
  type SpotFallbackDecision,
  type SpotFallbackMemory,
} from './spot-fallback-decision.ts';
export { DigitalOceanDropletPool, dropletName, type DigitalOceanPoolOptions, type DropletTemplate } from './digitalocean-droplet-pool.ts';
export { simulateDay, quantile, type PoolReport, type SimulatedPool, type SimulationOptions } from './simulation/simulate-day.ts';
export {
  proposalDay,
  primaryPlatform,
  buildSeconds,
  PROPOSAL_VOLUME,
  BOOT_SECONDS,
  SPOT_RECLAIM_PER_HOUR,
  DEFAULT_SETTINGS,
  BACKLOG_PER_HOST,
  LINUX_CHECK_SECONDS,
  type SimulatedPoolShape,
} from './simulation/proposal-day.ts';
export { arrivalTimes, seededRandom, submissionRate } from './simulation/build-arrivals.ts';
export { summariseByFamily, poolUsage, type FamilySummary, type PoolUsage } from './simulation/day-summary.ts';
export { observeFarm, type PlatformLoad } from './farm-observation.ts';
export { Scaler, type ScaledPool, type PassResult } from './scaler.ts';
export { loadConfig, ScalerConfigError, type ScalerConfig, type PoolConfig } from './config.ts';
