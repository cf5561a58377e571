/**
 * Completes check runs as builds finish. It watches the build records, as the repository's
 * publication watcher does: a control plane that restarts replays them and completes whatever
 * finished while it was down. A run's `reported` list (revision-checked) makes a second report a
 * no-op; completing a check run twice would be harmless anyway.
 */
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { isTerminal, keys, readRecord, type BuildRecord, type JobRecord } from '../../protocol/index.ts';
import type { LatestResults } from '../badges/index.ts';
import { statusUrl } from '../http/presenters.ts';
import { watchFinishedBuilds, type FinishedBuildWatch } from '../jobs/finished-builds.ts';
import { conclusionOf, finishedOutput } from './check-run-output.ts';
import type { CiRun, CiRuns } from './ci-runs.ts';
import type { GitHubClient } from './github-client.ts';

/** Builds that finished longer before the watcher started than a delivery is kept are not looked up. */
const CATCH_UP_MS = 7 * 24 * 60 * 60 * 1000;

export interface CheckRunReporterDeps {
  readonly jobs: KV;
  readonly runs: CiRuns;
  readonly github: GitHubClient;
  readonly latestResults: LatestResults;
  readonly publicUrl: string;
  readonly log: Logger;
}

export class CheckRunReporter {
  private watch: FinishedBuildWatch | null = null;
  /** Jobs known not to be the integration's (their index would have been written before them). */
  private readonly foreignJobs = new Set<string>();

  constructor(private readonly deps: CheckRunReporterDeps) {}

  async start(): Promise<void> {
    this.watch = await watchFinishedBuilds(this.deps.jobs, {
      catchUpMs: CATCH_UP_MS,
      skip: (build) => this.foreignJobs.has(build.jobId),
      onBuild: (build) => this.consider(build),
      onError: (error, build) => this.deps.log.warn({ err: error, platform: build.platform }, 'completing a check run failed'),
    });
  }

  stop(): void {
    this.watch?.stop();
  }

  private async consider(build: BuildRecord): Promise<void> {
    const run = await this.deps.runs.forJob(build.jobId);
    if (!run) {
      if (this.foreignJobs.size > 50_000) this.foreignJobs.clear();
      this.foreignJobs.add(build.jobId);
      return;
    }
    await this.complete(run, build);
  }

  /** Completes the check runs of a run's builds that have already finished (after its check runs were created). */
  async reportFinished(run: CiRun): Promise<void> {
    for (const platform of Object.keys(run.checkRuns)) {
      const build = await readRecord<BuildRecord>(this.deps.jobs, keys.build(run.jobId, platform));
      if (build && isTerminal(build.value.status)) await this.complete(run, build.value);
    }
  }

  private async complete(run: CiRun, build: BuildRecord): Promise<void> {
    const checkRunId = run.checkRuns[build.platform];
    // Check runs not created yet: the runner reports this build once it has created them.
    if (run.state !== 'checking' || checkRunId === undefined || run.reported.includes(build.platform)) return;
    const { request } = run;
    await this.deps.github.updateCheckRun(request, checkRunId, {
      status: 'completed',
      conclusion: conclusionOf(build, run.errorOn),
      completed_at: build.finishedAt ?? new Date().toISOString(),
      output: finishedOutput(build, statusUrl(this.deps.publicUrl, run.jobId)),
    });
    await this.deps.runs.update(request.deliveryId, (current) =>
      current.reported.includes(build.platform) ? null : { ...current, reported: [...current.reported, build.platform] },
    );
    this.deps.log.info({ repository: `${request.owner}/${request.repo}`, sha: request.sha, platform: build.platform }, 'check run completed');
    // A push to the default branch is the repository's own verdict: it counts for the badges.
    if (request.event === 'push' && request.defaultBranch) {
      const job = await readRecord<JobRecord>(this.deps.jobs, keys.job(run.jobId));
      if (job) await this.deps.latestResults.record(job.value, build);
    }
  }
}
