/**
 * Turns accepted reverse-dependency runs into pairs of jobs. It watches the run records (a
 * restarted control plane finds what it had accepted and not yet prepared) and prepares each
 * `received` run once, claimed with a revision-checked write (control-plane/runs/ does the
 * watching, claiming and handing back): read the repositories' PACKAGES indices, find the
 * reverse dependencies, and submit two ordinary one-platform jobs for each — its published source
 * tarball checked as is, and checked again with the submitted version of the package installed
 * first (JobRecord.against; the agent does it). Job ids are derived from the run,
 * so preparing again after a crash finds the jobs already there and submits nothing twice.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isTransientNatsError, type JobRecord } from '../../protocol/index.ts';
import { FarmError } from '../errors.ts';
import type { JobService } from '../jobs/job-service.ts';
import { ClaimedRunPreparer, MAX_PREPARE_ATTEMPTS } from '../runs/index.ts';
import { inspectPackageArchive, type ArchiveLimits } from '../uploads/index.ts';
import { newestListedVersion, REVDEP_SCOPES, reverseDependencies, unmetRequirement } from './reverse-dependencies.ts';
import type { RevdepPair, RevdepRun, RevdepRuns } from './revdep-runs.ts';
import { RevdepSourceError, type RevdepSources } from './revdep-sources.ts';

export interface RevdepRunnerDeps {
  readonly runs: RevdepRuns;
  readonly jobs: JobService;
  readonly sources: RevdepSources;
  readonly limits: ArchiveLimits;
  readonly log: Logger;
}

/** A run whose job is still not visible after this was never answered 2xx: it is dropped. */
const ABANDONED_AFTER_MS = 10 * 60_000;
/** The most reverse dependencies one run checks (each costs two builds). */
export const MAX_REVERSE_DEPENDENCIES = 200;

/** The id of one job of a pair: fixed by the run, the package and the side. */
export function pairJobId(jobId: string, revdep: string, side: 'published' | 'submitted'): string {
  return createHash('sha256').update(`${jobId}/${revdep}/${side}`).digest('hex').slice(0, 32);
}

export class RevdepRunner {
  private readonly preparer: ClaimedRunPreparer<RevdepRun>;

  constructor(private readonly deps: RevdepRunnerDeps) {
    this.preparer = new ClaimedRunPreparer({ runs: deps.runs, prepare: (run) => this.prepare(run), label: 'revdep run', idField: 'jobId', log: deps.log });
  }

  /** Starts preparing runs (those a previous process left too). */
  start(): Promise<void> {
    return this.preparer.start();
  }

  stop(): void {
    this.preparer.stop();
  }

  private async prepare(run: RevdepRun): Promise<void> {
    const { jobId } = run;
    try {
      const job = await this.visibleJob(run);
      if (!job) return;
      if (job.cancelledAt) return void (await this.finish(run, 'failed', 'the job was cancelled before its reverse dependencies were checked'));
      await this.submitPairs(run, job);
    } catch (error) {
      const attempts = run.attempts + 1;
      if (attempts < MAX_PREPARE_ATTEMPTS && (error instanceof RevdepSourceError || isTransientNatsError(error))) {
        this.deps.log.warn({ err: error, jobId, attempts }, 'preparing a revdep run failed; trying again');
        return this.preparer.retryLater(jobId, attempts);
      }
      this.deps.log.error({ err: error, jobId }, 'preparing a revdep run failed');
      await this.finish(run, 'failed', `the reverse dependencies could not be checked: ${(error as Error).message}`);
    }
  }

  /** The run's job once it is visible; null (and the run handed back or dropped) while it is not. */
  private async visibleJob(run: RevdepRun): Promise<JobRecord | null> {
    // The run is recorded just before its job: give the submission a moment.
    for (let tries = 0; tries < 15; tries++) {
      const job = await this.deps.jobs.get(run.jobId).then(
        (snapshot) => snapshot.job,
        (error: unknown) => {
          if (error instanceof FarmError && error.code === 'job_not_found') return null;
          throw error;
        },
      );
      if (job) return job;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    if (Date.now() - Date.parse(run.receivedAt) > ABANDONED_AFTER_MS) await this.finish(run, 'abandoned', 'its job was never submitted');
    else this.preparer.handBackLater(run.jobId, 60_000);
    return null;
  }

  private async finish(run: RevdepRun, state: 'failed' | 'abandoned', problem: string): Promise<void> {
    await this.deps.runs.update(run.jobId, (current) => ({ ...current, state, problem }));
  }

  private async submitPairs(run: RevdepRun, job: JobRecord): Promise<void> {
    const { sources } = this.deps;
    const indices = await sources.indices();
    const found = reverseDependencies(run.package, indices, REVDEP_SCOPES[run.which ?? 'strong']);
    const newest = newestListedVersion(run.package, indices);
    const chosen = found.slice(0, MAX_REVERSE_DEPENDENCIES);
    const pairs: RevdepPair[] = [];
    for (const revdep of chosen) {
      const unmet = unmetRequirement(run.package, revdep, newest, run.version);
      const pair: RevdepPair = {
        package: revdep.package,
        version: revdep.version,
        repository: revdep.repository,
        fields: revdep.fields,
        publishedJobId: pairJobId(run.jobId, revdep.package, 'published'),
        submittedJobId: pairJobId(run.jobId, revdep.package, 'submitted'),
        problem: null,
        needs: unmet?.submittedMeets ? unmet.text : null,
      };
      // Installable with neither version: nothing to check.
      const problem =
        unmet && !unmet.submittedMeets
          ? `${unmet.text}, and the submitted ${run.version} does not meet it either: it cannot be installed with either version, so it was not checked`
          : await this.submitPair(pair, job, run.platform);
      pairs.push({ ...pair, problem });
    }
    const problem = found.length > chosen.length ? `${found.length} reverse dependencies; only the first ${chosen.length} (alphabetically) were checked` : null;
    await this.deps.runs.update(run.jobId, (current) => ({ ...current, state: 'checking', repositories: sources.labels, pairs, problem }));
    this.deps.log.info({ jobId: run.jobId, package: run.package, reverseDependencies: pairs.map((pair) => pair.package) }, 'revdep checks queued');
  }

  /**
   * Submits both jobs of a pair (those already there are left alone; only the submitted side for
   * a pair that `needs` the new version); a string says why it could not.
   */
  private async submitPair(pair: RevdepPair, job: JobRecord, platform: string): Promise<string | null> {
    const exists = async (id: string) =>
      this.deps.jobs.get(id).then(
        () => true,
        () => false,
      );
    const publishedWanted = !pair.needs;
    if ((!publishedWanted || (await exists(pair.publishedJobId))) && (await exists(pair.submittedJobId))) return null;
    let data: Buffer;
    try {
      data = await this.deps.sources.tarball(pair.repository, pair.package, pair.version);
    } catch (error) {
      if (error instanceof RevdepSourceError) return error.message;
      throw error;
    }
    const archive = await inspectPackageArchive(data, this.deps.limits).catch((error: unknown) => {
      if (error instanceof FarmError && error.status < 500) return error.message;
      throw error;
    });
    if (typeof archive === 'string') return `its source tarball was refused: ${archive}`;
    const common = { archive, data, platforms: [platform], email: null, checkArgs: job.checkArgs, env: job.env, publish: false };
    if (publishedWanted && !(await exists(pair.publishedJobId))) await this.deps.jobs.submit(common, pair.publishedJobId);
    if (!(await exists(pair.submittedJobId))) {
      await this.deps.jobs.submit({ ...common, against: { jobId: job.id, package: job.package, version: job.version } }, pair.submittedJobId);
    }
    return null;
  }
}
