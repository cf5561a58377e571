/**
 * Keeps `LatestResults` up to date: watches the build records (as the repository's
 * publication watcher does; a restart replays them) and records each finished build of a job the
 * farm vouches for: one submitted with `publish=true` (which needs the admin token). The GitHub
 * integration records its own builds of a repository's default branch.
 */
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { keys, readRecord, type BuildRecord, type JobRecord } from '../../protocol/index.ts';
import { watchFinishedBuilds, type FinishedBuildWatch } from '../jobs/finished-builds.ts';
import type { LatestResults } from './latest-results.ts';

/** Older builds were recorded by an earlier watcher (the records persist): a restart need not read them again. */
const CATCH_UP_MS = 7 * 24 * 60 * 60 * 1000;

export class LatestResultsWatcher {
  private watch: FinishedBuildWatch | null = null;
  private readonly jobCache = new Map<string, JobRecord | null>();

  constructor(
    private readonly jobs: KV,
    private readonly latest: LatestResults,
    private readonly log: Logger,
  ) {}

  /** Starts watching; returns once the watch is set up. */
  async start(): Promise<void> {
    this.watch = await watchFinishedBuilds(this.jobs, {
      catchUpMs: CATCH_UP_MS,
      onBuild: (build) => this.consider(build),
      onError: (error, build) => this.log.warn({ err: error, platform: build.platform }, 'recording a badge result failed'),
    });
  }

  stop(): void {
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
