/**
 * Whether the farm has room for new work. Two measures, checked every few seconds and before a
 * submission when the last look is older than a second: free space on the file systems that hold the
 * farm's state (FARM_STORE_DIRS, e.g. the NATS store), and how full each JetStream stream with a size
 * limit is. New work is refused while either is past its mark, well before the store is actually
 * full, so the builds already accepted can still store their output and artifacts.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import { BUILDS_STREAM, OBJECTS_BUCKET, storeUsage, type FarmConnection, type StoreUsage } from '../../protocol/index.ts';

export interface StorageGuardOptions {
  /** Directories whose file systems hold the farm's state. */
  readonly dirs: readonly string[];
  /** New work is refused when one of them has less free space than this. */
  readonly minFreeBytes: number;
  /** New work is refused when a stream with a size limit is fuller than this percentage of it. */
  readonly refusePercent: number;
  /**
   * Bytes set aside for each build not yet finished (its artifacts and output are still to be
   * stored: the source package and a binary, each about as large as the upload).
   */
  readonly reservePerBuildBytes: number;
}

const POLL_MS = 5_000;
const FRESH_MS = 1_000;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export class StorageGuard {
  private problemText: string | null = null;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly farm: FarmConnection,
    private readonly options: StorageGuardOptions,
    private readonly log: Logger,
  ) {}

  /** Looks now and every few seconds from now on. */
  start(): void {
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Why the farm takes no new work now (null: it has room), looking again if the last look is stale. */
  async problem(): Promise<string | null> {
    if (Date.now() - this.checkedAt > FRESH_MS) await this.refresh();
    return this.problemText;
  }

  /** The last look's answer, without looking again. */
  get lastProblem(): string | null {
    return this.problemText;
  }

  private refresh(): Promise<void> {
    this.checking ??= this.measure()
      .then((problem) => {
        if (problem !== this.problemText) {
          if (problem) this.log.error({ problem }, 'out of storage: new work is refused');
          else if (this.problemText) this.log.info('storage has room again: new work is taken');
        }
        this.problemText = problem;
        this.checkedAt = Date.now();
      })
      .catch((error: Error) => this.log.warn({ err: error }, 'storage check failed'))
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private async measure(): Promise<string | null> {
    // A NATS that cannot be asked is NatsAvailability's to report; the streams are looked at when it answers.
    const streams = await storeUsage(this.farm).catch((): StoreUsage[] => []);
    // Builds queued or running (the work queue keeps a message until its build is done).
    const unfinished = streams.find((info) => info.name === BUILDS_STREAM)?.messages ?? 0;
    const reserved = unfinished * this.options.reservePerBuildBytes;
    const reserving =
      reserved > 0
        ? `, after setting aside ${megabytes(reserved)} for the ${unfinished} builds not yet finished (FARM_STORE_RESERVE_PER_BUILD_BYTES each)`
        : '';
    for (const dir of this.options.dirs) {
      const stats = await statfs(dir).catch(() => null);
      if (!stats) continue;
      const free = stats.bavail * stats.bsize;
      if (free - reserved < this.options.minFreeBytes) {
        return `the file system of ${dir} has ${megabytes(free)} free${reserving}, below the farm's floor of ${megabytes(this.options.minFreeBytes)} (FARM_MIN_FREE_STORE_BYTES)`;
      }
    }
    for (const info of streams) {
      const limit = info.maxBytes;
      if (!limit || limit <= 0) continue;
      // The objects store receives the artifacts still to come.
      const expected = info.bytes + (info.name === `OBJ_${OBJECTS_BUCKET}` ? reserved : 0);
      if (expected * 100 >= limit * this.options.refusePercent) {
        return `the farm's store '${info.name}' holds ${megabytes(info.bytes)} of its ${megabytes(limit)} limit${info.name === `OBJ_${OBJECTS_BUCKET}` ? reserving : ''} (over ${this.options.refusePercent} %, FARM_STORE_REFUSE_PERCENT)`;
      }
    }
    return null;
  }
}
