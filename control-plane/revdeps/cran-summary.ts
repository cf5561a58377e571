/**
 * The CRAN pre-submission summary of a job: its findings on every platform and, for a job
 * submitted with `revdeps=true`, each reverse dependency's verdict from its pair of checks
 * (findings-diff.ts). Computed from the records each time it is asked for, so it is never stale
 * and there is nothing of its own to keep. Pure: the snapshots are given.
 */
import type { BuildRecord } from '../../protocol/index.ts';
import type { components } from '../api-types.ts';
import { overallStatus, statusUrl } from '../http/presenters.ts';
import type { JobSnapshot } from '../jobs/job-service.ts';
import { diffFindings } from './findings-diff.ts';
import type { RevdepPair, RevdepRun } from './revdep-runs.ts';

type Schemas = components['schemas'];
export type CranSummary = Schemas['CranSummary'];
export type RevdepReport = Schemas['RevdepReport'];
export type RevdepResult = Schemas['RevdepResult'];

const TERMINAL = new Set(['DONE', 'FAILED', 'CANCELLED', 'TIMEOUT']);

/** The page of a job's summary. */
export function cranSummaryUrl(publicUrl: string, jobId: string): string {
  return `${statusUrl(publicUrl, jobId)}/cran`;
}

function revdepBuild(publicUrl: string, jobId: string, build: BuildRecord | undefined): Schemas['RevdepBuild'] {
  return { job_id: jobId, url: statusUrl(publicUrl, jobId), status: build?.status ?? 'SUBMITTED', result: build?.result?.status ?? null };
}

/** Why a finished build gave no check to compare. */
function noCheck(side: string, build: BuildRecord): string {
  return `the check against the ${side} version ended ${build.status}${build.reason ? `: ${build.reason}` : ''}`;
}

/**
 * A reverse dependency the published version cannot satisfy: checked against the submitted
 * version only, so there is nothing to compare — every finding of that check is listed.
 */
function needsNewVersion(base: Omit<RevdepResult, 'verdict' | 'reason'>, needs: string, submitted: BuildRecord | undefined): RevdepResult {
  if (!submitted || !TERMINAL.has(submitted.status)) return { ...base, verdict: 'pending', reason: needs };
  const outcome = submitted.result ? `checked against the submitted version only (${submitted.result.status})` : noCheck('submitted', submitted);
  const items = submitted.result ? [...submitted.result.items] : [];
  return { ...base, verdict: 'needs new version', reason: `${needs}: ${outcome}`, appeared: items };
}

/** One reverse dependency's verdict from its two builds (either may be missing while it is submitted). */
export function revdepResult(publicUrl: string, pair: RevdepPair, published: BuildRecord | undefined, submitted: BuildRecord | undefined): RevdepResult {
  const base = {
    package: pair.package,
    version: pair.version,
    repository: pair.repository,
    fields: [...pair.fields],
    published: pair.needs ? null : revdepBuild(publicUrl, pair.publishedJobId, published),
    submitted: revdepBuild(publicUrl, pair.submittedJobId, submitted),
    appeared: [],
    disappeared: [],
  };
  if (pair.problem) return { ...base, verdict: 'failed', reason: pair.problem };
  if (pair.needs) return needsNewVersion(base, pair.needs, submitted);
  if (!published || !submitted || !TERMINAL.has(published.status) || !TERMINAL.has(submitted.status)) return { ...base, verdict: 'pending', reason: null };
  if (!published.result) return { ...base, verdict: 'failed', reason: noCheck('published', published) };
  if (!submitted.result) return { ...base, verdict: 'failed', reason: noCheck('submitted', submitted) };
  const diff = diffFindings(published.result, submitted.result);
  return { ...base, verdict: diff.verdict, reason: null, appeared: [...diff.appeared], disappeared: [...diff.disappeared] };
}

/** The revdep part of the summary; `builds` maps each pair's job ids to their one build. */
export function revdepReport(publicUrl: string, run: RevdepRun, builds: ReadonlyMap<string, BuildRecord>): RevdepReport {
  const packages = run.pairs.map((pair) => revdepResult(publicUrl, pair, builds.get(pair.publishedJobId), builds.get(pair.submittedJobId)));
  const count = (verdict: RevdepResult['verdict']) => packages.filter((result) => result.verdict === verdict).length;
  const counts = {
    unchanged: count('unchanged'),
    newly_broken: count('newly broken'),
    fixed: count('fixed'),
    pending: count('pending'),
    failed: count('failed'),
    needs_new_version: count('needs new version'),
  };
  const state: RevdepReport['state'] =
    run.state === 'received' || run.state === 'claimed' ? 'finding' : run.state === 'checking' ? (counts.pending > 0 ? 'checking' : 'done') : 'failed';
  return { platform: run.platform, which: run.which ?? 'strong', state, problem: run.problem, repositories: [...run.repositories], counts, packages };
}

/** The whole summary of `job`; `run` is its revdep run (null: none was asked for). */
export function cranSummary(publicUrl: string, job: JobSnapshot, run: RevdepRun | null, builds: ReadonlyMap<string, BuildRecord>): CranSummary {
  const revdeps = run ? revdepReport(publicUrl, run, builds) : null;
  const complete = job.builds.every((build) => TERMINAL.has(build.status)) && (revdeps === null || revdeps.state === 'done' || revdeps.state === 'failed');
  return {
    id: job.job.id,
    package: job.job.package,
    version: job.job.version,
    url: statusUrl(publicUrl, job.job.id),
    summary_url: cranSummaryUrl(publicUrl, job.job.id),
    complete,
    status: overallStatus(job.builds),
    platforms: job.builds.map((build) => ({
      platform: build.platform,
      status: build.status,
      reason: build.reason ?? null,
      result: build.result ? { ...build.result, items: [...build.result.items] } : null,
    })),
    revdeps,
  };
}
