/**
 * Publishes builds of `publish=true` jobs as they finish: watches the build records and hands each
 * finished one to the publisher once. Several control planes may watch at once; the publisher's
 * lock and its publication records make the second one a no-op.
 */
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { keys, readRecord, type BuildRecord, type JobRecord } from '../../protocol/index.ts';
import { FarmError } from '../errors.ts';
import { watchFinishedBuilds, type FinishedBuildWatch } from '../jobs/finished-builds.ts';
import { publicationKey, type BuildPublisher } from './build-publisher.ts';

/** Builds that finished this long before the watcher started are left to the admin (PUT /repository/publications/{id}). */
const CATCH_UP_MS = 24 * 60 * 60 * 1000;

export class PublicationWatcher {
  private watch: FinishedBuildWatch | null = null;
  private readonly publishFlags = new Map<string, boolean>();

  constructor(
    private readonly jobs: KV,
    private readonly repository: KV,
    private readonly publisher: BuildPublisher,
    private readonly log: Logger,
  ) {}

  /** Starts watching; returns once the watch is set up (publishing goes on in the background). */
  async start(): Promise<void> {
    this.watch = await watchFinishedBuilds(this.jobs, {
      catchUpMs: CATCH_UP_MS,
      onBuild: (build) => this.consider(build),
      onError: (error, build) => this.log.warn({ err: error, jobId: build.jobId, platform: build.platform }, 'publishing a build failed'),
    });
  }

  stop(): void {
    this.watch?.stop();
  }

  private async consider(build: BuildRecord): Promise<void> {
    if (!(await this.wantsPublishing(build.jobId))) return;
    if (await this.repository.get(publicationKey(build.jobId, build.platform))) return;
    try {
      const publication = await this.publisher.publish(build.jobId, build.platform);
      this.log.info({ jobId: build.jobId, platform: build.platform, files: publication.files }, 'published into the repository');
    } catch (error) {
      // Refusals are recorded for the submitter to read; only the farm's own failures are news here.
      if (!(error instanceof FarmError)) throw error;
    }
  }

  private async wantsPublishing(jobId: string): Promise<boolean> {
    const known = this.publishFlags.get(jobId);
    if (known !== undefined) return known;
    const job = await readRecord<JobRecord>(this.jobs, keys.job(jobId));
    const wanted = job?.value.publish ?? false;
    if (this.publishFlags.size > 10_000) this.publishFlags.clear();
    if (job) this.publishFlags.set(jobId, wanted);
    return wanted;
  }
}
