/** Domain records → the API's wire shapes (snake_case, as the OpenAPI document says). */
import type { Platform } from '../../images/index.ts';
import { isTerminal, type BuildRecord, type BuildStatus, type CheckStatus, type JobRecord, type WorkerInfo, type WorkerRecord } from '../../protocol/index.ts';
import type { components } from '../api-types.ts';
import type { QueuePosition } from '../jobs/job-service.ts';

type Schemas = components['schemas'];

export function statusUrl(publicUrl: string, jobId: string): string {
  return `${publicUrl}/status/${jobId}`;
}

function workerSummary(worker: WorkerInfo): Schemas['WorkerSummary'] {
  return {
    id: worker.id,
    host: worker.host,
    platform: worker.platform,
    r_version: worker.rVersion,
    distribution: worker.distribution,
    compiler: worker.compiler,
  };
}

/** The job's status as one word: unfinished builds dominate; then the worst way a build ended. */
export function overallStatus(builds: readonly BuildRecord[]): BuildStatus {
  const statuses = builds.map((build) => build.status);
  if (statuses.includes('RUNNING')) return 'RUNNING';
  if (statuses.includes('QUEUED')) return 'QUEUED';
  if (statuses.includes('SUBMITTED')) return 'SUBMITTED';
  for (const status of ['FAILED', 'TIMEOUT', 'CANCELLED'] as const) if (statuses.includes(status)) return status;
  return 'DONE';
}

export function worstResult(builds: readonly BuildRecord[]): CheckStatus | null {
  const order: CheckStatus[] = ['OK', 'NOTE', 'WARNING', 'ERROR'];
  const results = builds.flatMap((build) => (build.result ? [build.result.status] : []));
  if (results.length === 0) return null;
  return results.reduce((worst, status) => (order.indexOf(status) > order.indexOf(worst) ? status : worst));
}

/** Estimated start from queue position, live workers and the platform's median build time. */
export function estimateStart(queue: QueuePosition, liveWorkers: number, now = Date.now()): string | null {
  if (liveWorkers === 0 || queue.medianSeconds === null) return null;
  const rounds = Math.floor(queue.position / liveWorkers);
  return new Date(now + rounds * queue.medianSeconds * 1000).toISOString();
}

export interface BuildExtras {
  readonly queue: QueuePosition | null;
  readonly liveWorkers: number;
}

export function presentBuild(publicUrl: string, build: BuildRecord, extras: BuildExtras): Schemas['Build'] {
  const end = build.finishedAt ? Date.parse(build.finishedAt) : Date.now();
  const artifactUrl = (name: string) => `${publicUrl}/jobs/${build.jobId}/artifacts/${encodeURIComponent(name)}?platform=${build.platform}`;
  return {
    platform: build.platform,
    status: build.status,
    attempt: build.attempt,
    worker: build.worker ? workerSummary(build.worker) : null,
    submitted: build.submittedAt,
    queued: build.queuedAt,
    started: build.startedAt,
    finished: build.finishedAt,
    elapsed_seconds: build.startedAt ? Math.max(0, (end - Date.parse(build.startedAt)) / 1000) : null,
    queue:
      extras.queue && !isTerminal(build.status) && build.status !== 'RUNNING'
        ? { position: extras.queue.position, live_workers: extras.liveWorkers, estimated_start: estimateStart(extras.queue, extras.liveWorkers) }
        : null,
    result: build.result ? { ...build.result, items: build.result.items.map((item) => ({ ...item })) } : null,
    reason: build.reason,
    artifacts: build.artifacts.map((artifact) => ({ name: artifact.name, size: artifact.size, url: artifactUrl(artifact.name) })),
    check: build.check
      ? { command: [...build.check.command], env: { ...build.check.env }, sources: { ...build.check.sources }, network: build.check.network }
      : null,
  };
}

export function presentJob(publicUrl: string, job: JobRecord, builds: Schemas['Build'][], records: readonly BuildRecord[]): Schemas['JobInfo'] {
  return {
    id: job.id,
    package: job.package,
    version: job.version,
    status: overallStatus(records),
    result: worstResult(records),
    submitted: job.submittedAt,
    url: statusUrl(publicUrl, job.id),
    email: job.email,
    check_args: [...job.checkArgs],
    env_vars: { ...job.env },
    publish: job.publish,
    builds,
  };
}

export function presentWorker(worker: WorkerRecord): Schemas['Worker'] {
  return { ...workerSummary(worker), pid: worker.pid, started: worker.startedAt, heartbeat: worker.heartbeatAt, current_build: worker.currentBuild };
}

export function presentPlatform(platform: Platform, liveWorkers: number): Schemas['PlatformView'] {
  return {
    id: platform.id,
    description: platform.description,
    os: platform.os,
    distribution: platform.distribution.name,
    release: platform.distribution.release,
    arch: platform.arch,
    compiler: `${platform.compiler.family} (${platform.compiler.toolchain})`,
    r_flavour: platform.rFlavour,
    provider: platform.provider,
    sysreqs_platform: `${platform.sysreqs.name}-${platform.sysreqs.release}`,
    default: platform.isDefault,
    live_workers: liveWorkers,
  };
}
