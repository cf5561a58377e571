/**
 * The public entry of `control-plane/runs/`: runs claimed in a KV bucket, the way the GitHub
 * integration and reverse-dependency checks turn accepted work into jobs without losing any.
 */
export { ClaimedRuns, type ClaimableRun, type ClaimedRunsOptions, type ClaimState } from './claimed-runs.ts';
export { ClaimedRunPreparer, MAX_PREPARE_ATTEMPTS, STALE_CLAIM_MS, type ClaimedRunPreparerOptions } from './claimed-run-preparer.ts';
