/**
 * Whether the farm has room for new work. Two measures, looked at every few seconds and before a
 * submission when the last look is older than a second: free space on the file systems that hold the
 * farm's state (FARM_STORE_DIRS, e.g. the NATS store), and how full each JetStream stream with a size
 * limit is. New work is refused while either is past its mark, well before the store is actually
 * full, so the builds already accepted can still store their output and artifacts.
 *
 * A look is up to a second old, and a burst of uploads fits in a second: what this control plane
 * accepted since the look began is counted on top of it (its upload, and the reserve of each of its
 * builds) until the next look sees it stored. Without that, a burst of 5 MB uploads overshot the
 * floor by half a dozen builds (test/spine/full-disk.test.ts).
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ARTIFACTS_BUCKET, BUILDS_STREAM, UPLOADS_BUCKET, storeUsage, type FarmConnection, type StoreUsage } from '../../protocol/index.ts';
import { storageProblem, type StorageLook, type UnseenWork } from './storage-problem.ts';

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

export class StorageGuard {
  private look: StorageLook | null = null;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Work accepted here that the last look may not have seen stored. */
  private unseen: UnseenWork = { uploadBytes: 0, builds: 0 };
  private lastText: string | null = null;

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
    return this.lastProblem;
  }

  /** The last look's answer (with the work accepted since), without looking again. */
  get lastProblem(): string | null {
    return this.look ? storageProblem(this.look, this.unseen, this.options) : null;
  }

  /** Counts work just accepted (its upload's bytes and its builds) until a look sees it stored. */
  admitted(uploadBytes: number, builds: number): void {
    this.unseen = { uploadBytes: this.unseen.uploadBytes + uploadBytes, builds: this.unseen.builds + builds };
  }

  private refresh(): Promise<void> {
    this.checking ??= this.measure()
      .then(({ look, counted }) => {
        this.look = look;
        // What was accepted before the look began is in it now; what came during the look stays counted (twice at worst).
        this.unseen = { uploadBytes: this.unseen.uploadBytes - counted.uploadBytes, builds: this.unseen.builds - counted.builds };
        this.checkedAt = Date.now();
        const text = this.lastProblem;
        if (text !== this.lastText) {
          if (text) this.log.error({ problem: text }, 'out of storage: new work is refused');
          else if (this.lastText) this.log.info('storage has room again: new work is taken');
        }
        this.lastText = text;
      })
      .catch((error: Error) => this.log.warn({ err: error }, 'storage check failed'))
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private async measure(): Promise<{ look: StorageLook; counted: UnseenWork }> {
    const counted = this.unseen;
    // A NATS that cannot be asked is NatsAvailability's to report; the streams are looked at when it answers.
    const streams = await storeUsage(this.farm).catch((): StoreUsage[] => []);
    const dirs: { dir: string; freeBytes: number }[] = [];
    for (const dir of this.options.dirs) {
      const stats = await statfs(dir).catch(() => null);
      if (stats) dirs.push({ dir, freeBytes: stats.bavail * stats.bsize });
    }
    return {
      look: {
        dirs,
        streams,
        // Builds queued or running (the work queue keeps a message until its build is done).
        unfinishedBuilds: streams.find((info) => info.name === BUILDS_STREAM)?.messages ?? 0,
        uploadStream: `OBJ_${UPLOADS_BUCKET}`,
        artifactStream: `OBJ_${ARTIFACTS_BUCKET}`,
      },
      counted,
    };
  }
}
