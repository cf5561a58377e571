/** How a finished job ends `rfarm submit --follow`: its exit code, decided from the builds. */
import { EXIT } from './cli-errors.ts';
import type { Build, JobInfo } from './farm-client.ts';

const INFRASTRUCTURE = ['FAILED', 'TIMEOUT', 'CANCELLED'];

/** Whether a build can still change. */
export function isUnfinished(build: Pick<Build, 'status'>): boolean {
  return build.status === 'SUBMITTED' || build.status === 'QUEUED' || build.status === 'RUNNING';
}

/**
 * 1 when any check found a WARNING or ERROR (a package problem is known, whatever else happened);
 * else 2 when any build FAILED, timed out, was cancelled or gave no result (the farm owes an
 * answer); else 0 (every build OK or NOTE).
 */
export function verdictExitCode(info: Pick<JobInfo, 'builds'>): number {
  const results = info.builds.map((build) => build.result?.status);
  if (results.some((status) => status === 'WARNING' || status === 'ERROR')) return EXIT.checkProblems;
  if (info.builds.some((build) => INFRASTRUCTURE.includes(build.status) || isUnfinished(build) || !build.result)) return EXIT.failure;
  return EXIT.ok;
}
