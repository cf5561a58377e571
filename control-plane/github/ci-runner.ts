/**
 * Turns accepted deliveries into jobs and check runs. It watches the run records (a restarted
 * control plane finds what it had accepted and not yet prepared) and prepares each `received` run
 * once, claimed with a revision-checked write (control-plane/runs/ does the watching, claiming and
 * handing back): read `.rfarm.yml` at the commit, choose platforms, fetch the source archive with
 * the installation token, make it an upload, submit the job (R CMD build and check run on the
 * agents, in their sandbox), create one in-progress check run per platform. A repository's mistake becomes a failed check run saying what to change; a failure of
 * GitHub or the farm is tried again a few times.
 */
import type { Logger } from 'pino';
import { isTransientNatsError } from '../../protocol/index.ts';
import { FarmError } from '../errors.ts';
import { statusUrl } from '../http/presenters.ts';
import type { JobService } from '../jobs/job-service.ts';
import type { PlatformDirectory } from '../platforms/platform-directory.ts';
import { ClaimedRunPreparer, MAX_PREPARE_ATTEMPTS } from '../runs/index.ts';
import { inspectPackageArchive, type ArchiveLimits } from '../uploads/index.ts';
import { checkRunName } from './check-run-output.ts';
import type { CheckRunReporter } from './check-run-reporter.ts';
import { choosePlatforms } from './ci-platforms.ts';
import type { CiRun, CiRuns } from './ci-runs.ts';
import { GitHubRequestError, type GitHubClient } from './github-client.ts';
import { CONFIG_FILE, readRepositoryConfig, RepositoryConfigError } from './repository-config.ts';
import { packageUploadFromGitHubArchive, SourceArchiveError } from './source-archive.ts';

export interface CiRunnerDeps {
  readonly runs: CiRuns;
  readonly github: GitHubClient;
  readonly jobs: JobService;
  readonly platforms: PlatformDirectory;
  readonly reporter: CheckRunReporter;
  readonly limits: ArchiveLimits;
  readonly publicUrl: string;
  /** Added to the environment of checks that are not fork pull requests. */
  readonly secretEnv: Readonly<Record<string, string>>;
  readonly log: Logger;
}

/** No platform to check on: the farm has no live worker. */
class NothingToRun extends Error {
  override name = 'NothingToRun';
}

/** Refusals: the repository's or the package's to fix (or nothing to run), said on a failed check run. */
function refusalOf(error: unknown): { title: string; message: string } | null {
  if (error instanceof NothingToRun) return { title: 'No live workers', message: error.message };
  if (error instanceof RepositoryConfigError) return { title: `${CONFIG_FILE} is not valid`, message: error.message };
  if (error instanceof SourceArchiveError) return { title: 'Not an R package the farm can check', message: error.message };
  if (error instanceof FarmError && error.status < 500) return { title: 'The farm refused the package', message: error.message };
  if (error instanceof GitHubRequestError && error.status !== null && error.status >= 400 && error.status < 500 && error.status !== 429) {
    return { title: 'GitHub refused the farm', message: error.message };
  }
  return null;
}

export class CiRunner {
  private readonly preparer: ClaimedRunPreparer<CiRun>;

  constructor(private readonly deps: CiRunnerDeps) {
    this.preparer = new ClaimedRunPreparer({ runs: deps.runs, prepare: (run) => this.prepare(run), label: 'GitHub run', idField: 'deliveryId', log: deps.log });
  }

  /** Starts preparing runs (those a previous process left too). */
  start(): Promise<void> {
    return this.preparer.start();
  }

  stop(): void {
    this.preparer.stop();
  }

  private async prepare(run: CiRun): Promise<void> {
    const { deliveryId } = run.request;
    try {
      await this.submit(run);
    } catch (error) {
      const refusal = refusalOf(error);
      const attempts = run.attempts + 1;
      if (!refusal && attempts < MAX_PREPARE_ATTEMPTS && (error instanceof GitHubRequestError || isTransientNatsError(error))) {
        this.deps.log.warn({ err: error, deliveryId, attempts }, 'preparing a GitHub run failed; trying again');
        return this.preparer.retryLater(deliveryId, attempts);
      }
      if (!refusal) this.deps.log.error({ err: error, deliveryId }, 'preparing a GitHub run failed');
      await this.refuse(run, refusal ?? { title: 'The farm could not start the check', message: `${(error as Error).message}; push again to retry` });
    }
  }

  private async submit(run: CiRun): Promise<void> {
    const { request, jobId } = run;
    const { github, limits } = this.deps;
    const config = readRepositoryConfig(await github.readFile(request, CONFIG_FILE, request.sha));
    const platforms = await choosePlatforms(this.deps.platforms, config.platforms).catch((error: unknown) => {
      throw error instanceof FarmError ? new RepositoryConfigError(`${CONFIG_FILE}: ${error.message}`, { cause: error }) : error;
    });
    if (platforms.run.length === 0 && platforms.skipped.length === 0) {
      throw new NothingToRun('this farm has no live worker for any platform right now; push again (or re-run the check) once it has');
    }
    const tarball = await github.downloadTarball(request, request.sha, limits.maxCompressedBytes);
    const upload = await packageUploadFromGitHubArchive(tarball, limits);
    const archive = await inspectPackageArchive(upload, limits);
    // A fork's pull request runs code nobody with write access has reviewed: no secrets, no env.
    const env = request.fromFork ? {} : { ...config.env, ...this.deps.secretEnv };
    const url = statusUrl(this.deps.publicUrl, jobId);
    const checkRuns: Record<string, number> = {};
    if (platforms.run.length > 0) {
      await this.deps.runs.indexJob(jobId, request.deliveryId);
      await this.deps.jobs.submit({ archive, data: upload, platforms: platforms.run, email: null, checkArgs: config.checkArgs, env, publish: false }, jobId);
      for (const platform of platforms.run) {
        checkRuns[platform] = await github.createCheckRun(request, {
          name: checkRunName(platform),
          head_sha: request.sha,
          status: 'in_progress',
          started_at: new Date().toISOString(),
          details_url: url,
          external_id: `${jobId}/${platform}`,
          output: { title: `${archive.packageName} ${archive.version}: checking`, summary: `R CMD build and R CMD check on \`${platform}\`: ${url}` },
        });
      }
    }
    for (const platform of platforms.skipped) {
      await github.createCheckRun(request, {
        name: checkRunName(platform),
        head_sha: request.sha,
        status: 'completed',
        conclusion: 'skipped',
        output: { title: 'No live worker', summary: `${CONFIG_FILE} names \`${platform}\`, but this farm has no live worker for it now.` },
      });
    }
    const stored = await this.deps.runs.update(request.deliveryId, (current) => ({ ...current, state: 'checking', checkRuns, errorOn: config.errorOn }));
    this.deps.log.info({ repository: `${request.owner}/${request.repo}`, sha: request.sha, platforms: platforms.run }, 'GitHub check queued');
    // Builds that finished before the check runs existed are reported now.
    if (stored) await this.deps.reporter.reportFinished(stored);
  }

  private async refuse(run: CiRun, refusal: { title: string; message: string }): Promise<void> {
    const { request } = run;
    await this.deps.github
      .createCheckRun(request, {
        name: 'rfarm',
        head_sha: request.sha,
        status: 'completed',
        conclusion: 'failure',
        output: { title: refusal.title, summary: refusal.message },
      })
      .catch((error: Error) => this.deps.log.warn({ err: error, deliveryId: request.deliveryId }, 'could not post the failed check run'));
    await this.deps.runs.update(request.deliveryId, (current) => ({ ...current, state: 'refused', problem: refusal.message }));
  }
}
