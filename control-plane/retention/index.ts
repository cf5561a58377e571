/** Retention of uploads, artifacts, output and finished records (the public entry of `retention/`). */
export { retentionSettings, type RetentionSettings } from './retention-settings.ts';
export { finishedAt, objectOwner, sweepRetention, type SweepReport } from './retention-sweep.ts';
