/**
 * The background half of claimed runs (claimed-runs.ts): every control plane watches the run
 * records, existing ones first, so one that restarts finds what was accepted and not yet prepared;
 * each `received` run is claimed (one control plane wins) and handed to the feature's `prepare`.
 * A sweep hands back claims whose control plane died, and a failure worth another try hands the
 * run back after a growing delay. What preparing means is each feature's own (ci-runner.ts,
 * revdep-runner.ts).
 */
import type { Logger } from 'pino';
import { decode } from '../../protocol/index.ts';
import type { ClaimableRun, ClaimedRuns } from './claimed-runs.ts';

/** A claim older than this belongs to a control plane that died while preparing: take it over. */
export const STALE_CLAIM_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 60_000;
/** Preparing a run is tried at most this many times when it meets failures worth another try. */
export const MAX_PREPARE_ATTEMPTS = 5;

/** What a feature gives the preparer. */
export interface ClaimedRunPreparerOptions<Run extends ClaimableRun> {
  readonly runs: ClaimedRuns<Run>;
  /** Prepares a run this control plane has claimed; it leaves the run in a state of its own, or hands it back. */
  readonly prepare: (run: Run) => Promise<void>;
  /** What the runs are called in log messages ("GitHub run", "revdep run"). */
  readonly label: string;
  /** The log field that carries a run's id ("deliveryId", "jobId"). */
  readonly idField: string;
  readonly log: Logger;
}

/** Watches a feature's runs, claims each `received` one and prepares it; sweeps stale claims. */
export class ClaimedRunPreparer<Run extends ClaimableRun> {
  private stopped = false;
  private watch: { stop(): void } | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly options: ClaimedRunPreparerOptions<Run>) {}

  /** Starts watching (runs a previous process left are prepared too) and sweeping. */
  async start(): Promise<void> {
    const { runs, label, log } = this.options;
    const iterator = await runs.watch();
    this.watch = iterator;
    void (async () => {
      for await (const entry of iterator) {
        if (this.stopped) break;
        if (entry.operation !== 'PUT' || entry.value.length === 0) continue;
        const run = decode<Run>(entry.value);
        if (run.state === 'received') void this.claimAndPrepare(runs.idOf(run));
      }
    })();
    this.sweeper = setInterval(
      () => void runs.handBackStaleClaims(STALE_CLAIM_MS).catch((error: Error) => log.warn({ err: error }, `${label} sweep failed`)),
      SWEEP_EVERY_MS,
    );
    this.sweeper.unref();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /**
   * Hands the run back (`received`) after `delayMs`, for another try by whichever control plane
   * claims it first; `attempts` is recorded when given.
   */
  handBackLater(id: string, delayMs: number, attempts?: number): void {
    const timer = setTimeout(() => void this.options.runs.handBack(id, attempts).catch(() => undefined), delayMs);
    timer.unref();
  }

  /** Hands the run back after the delay its attempt count earns (2 s doubled per attempt), recording the count. */
  retryLater(id: string, attempts: number): void {
    this.handBackLater(id, 2_000 * 2 ** attempts, attempts);
  }

  private async claimAndPrepare(id: string): Promise<void> {
    const { runs, prepare, label, idField, log } = this.options;
    const run = await runs.claim(id).catch((error: Error) => {
      log.warn({ err: error, [idField]: id }, `claiming a ${label} failed`);
      return null;
    });
    if (run) await prepare(run);
  }
}
