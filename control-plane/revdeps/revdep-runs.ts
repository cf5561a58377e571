/**
 * Reverse-dependency runs as JetStream keeps them: one record per job submitted with
 * `revdeps=true`, in its own KV bucket (`rfarm_revdeps`). The record is written before the job,
 * so a control plane that dies in between finds it and either finishes the run (the job became
 * visible) or drops it (the job never did, and the submitter never got a 202).
 */
import { REVDEPS_BUCKET, type FarmConnection } from '../../protocol/index.ts';
import { ClaimedRuns, type ClaimState } from '../runs/index.ts';
import type { DependencyField, RevdepScope } from './reverse-dependencies.ts';

/**
 * Where a run is: `received` (accepted, its reverse dependencies not looked for yet), `claimed`
 * (a control plane is finding them and submitting their builds), `checking` (every pair is
 * submitted), `failed` (they could not be found: `problem`), `abandoned` (its job never appeared).
 */
export type RevdepRunState = ClaimState | 'checking' | 'failed' | 'abandoned';

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
  /**
   * Set when it needs a newer version of the package than any repository has (what it asks
   * for): only the check against the submitted version is made. Absent in records from before.
   */
  readonly needs?: string | null;
}

export interface RevdepRun {
  /** The job whose package's reverse dependencies are checked. */
  readonly jobId: string;
  readonly package: string;
  readonly version: string;
  readonly platform: string;
  /** Which reverse dependencies: `strong` (absent in records from before) or `most` (Suggests too). */
  readonly which?: RevdepScope;
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

/** The reverse-dependency runs, keyed by the job whose reverse dependencies they check. */
export class RevdepRuns extends ClaimedRuns<RevdepRun> {
  constructor(farm: FarmConnection, replicas: number) {
    super(farm, { bucket: REVDEPS_BUCKET, replicas, idOf: (run) => run.jobId });
  }
}
