/**
 * Reverse-dependency checks as the control plane uses them: accept a run with its submission,
 * prepare runs in the background (revdep-runner.ts), answer the CRAN pre-submission summary,
 * cancel a run's jobs with its job. See README.md, "Reverse-dependency checks".
 */
import type { Logger } from 'pino';
import type { BuildRecord, FarmConnection } from '../../protocol/index.ts';
import type { JobService, JobSnapshot } from '../jobs/job-service.ts';
import type { ArchiveLimits } from '../uploads/index.ts';
import { cranSummary, type CranSummary } from './cran-summary.ts';
import { RevdepRunner } from './revdep-runner.ts';
import { RevdepRuns } from './revdep-runs.ts';
import { RevdepSources, type FarmRepositoryRead } from './revdep-sources.ts';
import type { RevdepScope } from './reverse-dependencies.ts';

export interface RevdepChecksDeps {
  readonly farm: FarmConnection;
  readonly replicas: number;
  readonly jobs: JobService;
  /** Reads the farm's own repository (a path under /repo/). */
  readonly readFarmRepository: FarmRepositoryRead;
  /** FARM_R_REPOS of the control plane: more CRAN-like repositories to search. */
  readonly repositories: readonly string[];
  readonly publicUrl: string;
  readonly limits: ArchiveLimits;
  readonly log: Logger;
}

export class RevdepChecks {
  private readonly runs: RevdepRuns;
  private readonly runner: RevdepRunner;

  constructor(private readonly deps: RevdepChecksDeps) {
    this.runs = new RevdepRuns(deps.farm, deps.replicas);
    const sources = new RevdepSources({
      farmLabel: `${deps.publicUrl}/repo`,
      readFarm: deps.readFarmRepository,
      repositories: deps.repositories,
      maxBytes: deps.limits.maxCompressedBytes,
    });
    this.runner = new RevdepRunner({ runs: this.runs, jobs: deps.jobs, sources, limits: deps.limits, log: deps.log });
  }

  /**
   * Records a run for a job about to be submitted (before it, so a crash in between loses nothing):
   * its reverse dependencies (`which`: strong, or most with Suggests) are checked on `platform`.
   */
  async accept(jobId: string, packageName: string, version: string, platform: string, which: RevdepScope = 'strong'): Promise<void> {
    await this.runs.accept({
      jobId,
      package: packageName,
      version,
      platform,
      which,
      state: 'received',
      receivedAt: new Date().toISOString(),
      claimedAt: null,
      attempts: 0,
      repositories: [],
      pairs: [],
      problem: null,
    });
  }

  /** Starts preparing runs (those a previous process left too). */
  start(): Promise<void> {
    return this.runner.start();
  }

  stop(): void {
    this.runner.stop();
  }

  /** The job's CRAN pre-submission summary (404 for an unknown job, through the job service). */
  async summary(snapshot: JobSnapshot): Promise<CranSummary> {
    const run = snapshot.job.revdeps ? await this.runs.get(snapshot.job.id) : null;
    const builds = new Map<string, BuildRecord>();
    const ids = run ? run.pairs.flatMap((pair) => (pair.problem ? [] : pair.needs ? [pair.submittedJobId] : [pair.publishedJobId, pair.submittedJobId])) : [];
    await Promise.all(
      ids.map(async (id) => {
        const pair = await this.deps.jobs.get(id).catch(() => null);
        if (pair?.builds[0]) builds.set(id, pair.builds[0]);
      }),
    );
    return cranSummary(this.deps.publicUrl, snapshot, run, builds);
  }

  /** Cancels the jobs of a cancelled job's run. */
  async cancel(jobId: string): Promise<void> {
    const run = await this.runs.get(jobId);
    for (const pair of run?.pairs ?? []) {
      for (const id of [pair.publishedJobId, pair.submittedJobId]) await this.deps.jobs.cancel(id).catch(() => undefined);
    }
  }
}
