/**
 * Reverse-dependency runs as JetStream keeps them: one record per job submitted with
 * `revdeps=true`, in its own KV bucket (`rfarm_revdeps`). The record is written before the job,
 * so a control plane that dies in between finds it and either finishes the run (the job became
 * visible) or drops it (the job never did, and the submitter never got a 202).
 */
import type { KV } from '@nats-io/kv';
import {
  REVDEPS_BUCKET,
  encode,
  isWrongLastSequence,
  openControlPlaneKv,
  readRecord,
  retryTransient,
  updateRecord,
  type FarmConnection,
} from '../../protocol/index.ts';
import type { DependencyField } from './reverse-dependencies.ts';

/**
 * Where a run is: `received` (accepted, its reverse dependencies not looked for yet), `claimed`
 * (a control plane is finding them and submitting their builds), `checking` (every pair is
 * submitted), `failed` (they could not be found: `problem`), `abandoned` (its job never appeared).
 */
export type RevdepRunState = 'received' | 'claimed' | 'checking' | 'failed' | 'abandoned';

/** One reverse dependency and its pair of jobs (ids fixed before they are submitted, so a retry submits the same). */
export interface RevdepPair {
  readonly package: string;
  readonly version: string;
  readonly repository: string;
  readonly fields: readonly DependencyField[];
  /** The job checking it against the published version. */
  readonly publishedJobId: string;
  /** The job checking it against the submitted version. */
  readonly submittedJobId: string;
  /** Why its jobs could not be submitted (its tarball unavailable or refused); null when they were. */
  readonly problem: string | null;
}

export interface RevdepRun {
  /** The job whose package's reverse dependencies are checked. */
  readonly jobId: string;
  readonly package: string;
  readonly version: string;
  readonly platform: string;
  readonly state: RevdepRunState;
  readonly receivedAt: string;
  readonly claimedAt: string | null;
  /** Preparation attempts that met a repository or farm failure. */
  readonly attempts: number;
  /** The repositories searched, in order (set once searched). */
  readonly repositories: readonly string[];
  readonly pairs: readonly RevdepPair[];
  readonly problem: string | null;
}

const runKey = (jobId: string) => `run.${jobId}`;

export class RevdepRuns {
  private opening: Promise<KV> | null = null;

  constructor(
    private readonly farm: FarmConnection,
    private readonly replicas: number,
  ) {}

  /** The bucket, opened (and created) on first use. */
  bucket(): Promise<KV> {
    this.opening ??= retryTransient(() => openControlPlaneKv(this.farm, REVDEPS_BUCKET, this.replicas)).catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    return this.opening;
  }

  /** Records a new run (a repeat of the same job's finds the first and keeps it). */
  async accept(run: RevdepRun): Promise<void> {
    const kv = await this.bucket();
    await retryTransient(() =>
      kv.create(runKey(run.jobId), encode(run)).catch((error: unknown) => {
        if (!isWrongLastSequence(error)) throw error;
        return 0;
      }),
    );
  }

  async get(jobId: string): Promise<RevdepRun | null> {
    return (await readRecord<RevdepRun>(await this.bucket(), runKey(jobId)))?.value ?? null;
  }

  /** Read-modify-write with a revision check; `change` returns null to leave the run as it is. */
  async update(jobId: string, change: (run: RevdepRun) => RevdepRun | null): Promise<RevdepRun | null> {
    return updateRecord<RevdepRun>(await this.bucket(), runKey(jobId), change);
  }

  /** Every run's job id, for the sweep. */
  async jobIds(): Promise<string[]> {
    const kv = await this.bucket();
    const ids: string[] = [];
    for await (const key of await kv.keys('run.*')) ids.push(key.slice('run.'.length));
    return ids;
  }

  /** Watches runs (existing ones first). */
  async watch(): Promise<AsyncIterable<{ operation: string; value: Uint8Array }> & { stop(): void }> {
    return (await this.bucket()).watch({ key: 'run.*' });
  }
}
