/**
 * The GitHub integration's state in JetStream: one record per accepted delivery (keyed by its
 * delivery id, so a replayed delivery finds its record and is ignored) and an index from job id
 * to delivery, for reporting builds as they finish. Its own KV bucket, `rfarm_github`, whose
 * entries expire after a week: longer than GitHub offers redelivery (3 days) and than any check.
 */
import { GITHUB_BUCKET, encode, readRecord, retryTransient, type FarmConnection } from '../../protocol/index.ts';
import { ClaimedRuns, type ClaimState } from '../runs/index.ts';
import type { ErrorOn } from './repository-config.ts';
import type { CiRequest } from './webhook-events.ts';

/** How long deliveries are remembered (and runs kept). */
export const DELIVERY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Where a run is: `received` (accepted, nothing done yet), `claimed` (a control plane is
 * preparing it), `checking` (its job is queued and its check runs exist), `refused` (a failed
 * check run said why: a bad `.rfarm.yml`, not an R package …).
 */
export type CiRunState = ClaimState | 'checking' | 'refused';

/** One accepted delivery and what became of it. */
export interface CiRun {
  readonly request: CiRequest;
  /** Chosen at acceptance, so preparing the run again submits the same job. */
  readonly jobId: string;
  readonly state: CiRunState;
  readonly receivedAt: string;
  readonly claimedAt: string | null;
  /** Preparation attempts that met a GitHub or farm failure. */
  readonly attempts: number;
  /** Check run id per platform. */
  readonly checkRuns: Readonly<Record<string, number>>;
  /** Platforms whose check run has been completed. */
  readonly reported: readonly string[];
  readonly errorOn: ErrorOn;
  /** Why the run was refused. */
  readonly problem: string | null;
}

/** Delivery GUIDs as GitHub sends them; anything else is refused before it becomes a key. */
export const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

const jobKey = (jobId: string) => `job.${jobId}`;

/** The GitHub runs, keyed by delivery id, and the index from job id to delivery. */
export class CiRuns extends ClaimedRuns<CiRun> {
  constructor(farm: FarmConnection, replicas: number) {
    super(farm, { bucket: GITHUB_BUCKET, replicas, ttlMs: DELIVERY_TTL_MS, idOf: (run) => run.request.deliveryId });
  }

  /** Notes which delivery a job belongs to (before the job exists, so every build can find it). */
  async indexJob(jobId: string, deliveryId: string): Promise<void> {
    const kv = await this.bucket();
    await retryTransient(() => kv.put(jobKey(jobId), encode({ deliveryId })));
  }

  /** The run a job belongs to, or null for jobs the integration did not submit. */
  async forJob(jobId: string): Promise<CiRun | null> {
    const index = await readRecord<{ deliveryId: string }>(await this.bucket(), jobKey(jobId));
    return index ? this.get(index.value.deliveryId) : null;
  }
}
