/**
 * Runs claimed in a KV bucket: the records the GitHub integration (control-plane/github/ci-runs.ts)
 * and reverse-dependency checks (control-plane/revdeps/revdep-runs.ts) keep the same way. A run is
 * written `received` before its work is acknowledged, so accepted work is never lost; any control
 * plane may then claim it with a revision-checked write (exactly one wins), hand it back for another
 * try, or hand back a claim whose control plane died while preparing it. What a run holds beyond
 * that, and the states it reaches once prepared, are each feature's own.
 */
import type { KV } from '@nats-io/kv';
import { encode, isWrongLastSequence, openControlPlaneKv, readRecord, retryTransient, updateRecord, type FarmConnection } from '../../protocol/index.ts';

/** The states every claimed run goes through before its feature's own: accepted, then being prepared. */
export type ClaimState = 'received' | 'claimed';

/** What a run needs for claiming; each feature's run type adds its own fields and later states. */
export interface ClaimableRun {
  /** `received`, `claimed`, or a state of the feature's own. */
  readonly state: string;
  /** When the current claim was taken (ISO 8601); null while the run is not claimed. */
  readonly claimedAt: string | null;
  /** Preparation attempts that met a failure worth trying again. */
  readonly attempts: number;
}

/** Where a feature keeps its runs, and how it names them. */
export interface ClaimedRunsOptions<Run> {
  /** The control plane's KV bucket (a name from protocol/), opened and created on first use. */
  readonly bucket: string;
  readonly replicas: number;
  /** How long entries are kept; omitted, for ever. */
  readonly ttlMs?: number;
  /** The run's id, unique in the bucket: its record is `run.<id>`. */
  readonly idOf: (run: Run) => string;
}

/** Stored runs are `run.<id>`; a feature may keep other keys (an index) in the same bucket. */
const RUN_PREFIX = 'run.';
const runKey = (id: string) => `${RUN_PREFIX}${id}`;

/** The runs of one feature in its KV bucket, and the revision-checked moves between `received` and `claimed`. */
export class ClaimedRuns<Run extends ClaimableRun> {
  private opening: Promise<KV> | null = null;

  constructor(
    private readonly farm: FarmConnection,
    private readonly options: ClaimedRunsOptions<Run>,
  ) {}

  /** The run's id (its key in the bucket is `run.<id>`). */
  idOf(run: Run): string {
    return this.options.idOf(run);
  }

  /** The bucket, opened (and created) on first use. */
  bucket(): Promise<KV> {
    const { bucket, replicas, ttlMs } = this.options;
    this.opening ??= retryTransient(() => openControlPlaneKv(this.farm, bucket, replicas, ttlMs)).catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    return this.opening;
  }

  /**
   * Records a new run; false when a run with its id exists (a replay keeps the first). A create
   * whose answer was lost and is tried again meets its own record, and is also answered false.
   */
  async accept(run: Run): Promise<boolean> {
    const kv = await this.bucket();
    return retryTransient(() =>
      kv.create(runKey(this.idOf(run)), encode(run)).then(
        () => true,
        (error: unknown) => {
          if (isWrongLastSequence(error)) return false;
          throw error;
        },
      ),
    );
  }

  async get(id: string): Promise<Run | null> {
    return (await readRecord<Run>(await this.bucket(), runKey(id)))?.value ?? null;
  }

  /** Read-modify-write with a revision check; `change` returns null to leave the run as it is. */
  async update(id: string, change: (run: Run) => Run | null): Promise<Run | null> {
    return updateRecord<Run>(await this.bucket(), runKey(id), change);
  }

  /** Every run's id. */
  async ids(): Promise<string[]> {
    const kv = await this.bucket();
    const ids: string[] = [];
    for await (const key of await kv.keys(`${RUN_PREFIX}*`)) ids.push(key.slice(RUN_PREFIX.length));
    return ids;
  }

  /** Watches runs (existing ones first). */
  async watch(): Promise<AsyncIterable<{ operation: string; value: Uint8Array }> & { stop(): void }> {
    return (await this.bucket()).watch({ key: `${RUN_PREFIX}*` });
  }

  /** Claims a `received` run for this control plane; null when it is not `received` or another claimed it first. */
  async claim(id: string): Promise<Run | null> {
    let mine: Run | null = null;
    const stored = await this.update(id, (run) => {
      if (run.state !== 'received') return null;
      mine = { ...run, state: 'claimed', claimedAt: new Date().toISOString() };
      return mine;
    });
    // Identity, not equality: only the write this call made counts as its claim.
    return stored !== null && stored === mine ? stored : null;
  }

  /** Hands a claimed run back (`received`) for another try, recording `attempts` when given. */
  async handBack(id: string, attempts?: number): Promise<void> {
    await this.update(id, (run) => (run.state === 'claimed' ? { ...run, state: 'received', claimedAt: null, attempts: attempts ?? run.attempts } : null));
  }

  /** Hands back every claim older than `staleMs`: its control plane died while preparing the run. */
  async handBackStaleClaims(staleMs: number): Promise<void> {
    for (const id of await this.ids()) {
      await this.update(id, (run) =>
        run.state === 'claimed' && Date.now() - Date.parse(run.claimedAt ?? '') > staleMs ? { ...run, state: 'received', claimedAt: null } : null,
      );
    }
  }
}
