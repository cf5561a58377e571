/**
 * Keeps `LatestResults` up to date: watches the build records (as the repository's
 * publication watcher does; a restart replays them) and records each finished build of a job the
 * farm vouches for: one submitted with `publish=true` (which needs the admin token). The GitHub
 * integration records its own builds of a repository's default branch.
 */
import type { KV } from 'nats';
import type { Logger } from 'pino';
import { decode, isTerminal, keys, readRecord, type BuildRecord, type JobRecord } from '../../protocol/index.ts';
import type { LatestResults } from './latest-results.ts';

/** Older builds were recorded by an earlier watcher (the records persist): a restart need not read them again. */
const CATCH_UP_MS = 7 * 24 * 60 * 60 * 1000;

export class LatestResultsWatcher {
  private stopped = false;
  private watch: { stop(): void } | null = null;
  private readonly jobCache = new Map<string, JobRecord | null>();

  constructor(
    private readonly jobs: KV,
    private readonly latest: LatestResults,
    private readonly log: Logger,
  ) {}

  /** Starts watching; returns once the watch is set up. */
  async start(): Promise<void> {
    const startedAt = Date.now();
    const iterator = await this.jobs.watch({ key: 'build.*.*' });
    this.watch = iterator;
    void (async () => {
      for await (const entry of iterator) {
        if (this.stopped) break;
        if (entry.operation !== 'PUT' || entry.value.length === 0) continue;
        const build = decode<BuildRecord>(entry.value);
        if (!isTerminal(build.status)) continue;
        if (build.finishedAt && startedAt - Date.parse(build.finishedAt) > CATCH_UP_MS) continue;
        await this.consider(build).catch((error: Error) => this.log.warn({ err: error, platform: build.platform }, 'recording a badge result failed'));
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  private async consider(build: BuildRecord): Promise<void> {
    const job = await this.job(build.jobId);
    if (job?.publish) await this.latest.record(job, build);
  }

  private async job(jobId: string): Promise<JobRecord | null> {
    if (this.jobCache.has(jobId)) return this.jobCache.get(jobId)!;
    const job = (await readRecord<JobRecord>(this.jobs, keys.job(jobId)))?.value ?? null;
    if (this.jobCache.size > 10_000) this.jobCache.clear();
    if (job) this.jobCache.set(jobId, job);
    return job;
  }
}
