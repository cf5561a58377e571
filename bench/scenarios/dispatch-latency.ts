/**
 * Dispatch latency: submission accepted (BuildRecord.submittedAt, set by the control plane) to the
 * agent starting the build/check (checkStartedAt, set by the agent), with an idle agent waiting for
 * every submission. Builds are made to end quickly (R CMD build rejects the package's DESCRIPTION),
 * so 200 of them take minutes; the timestamps measured are the real ones.
 */
import { percentile, median, round } from '../statistics.ts';
import { packPackage, quickRejectSpec } from '../bench-packages.ts';
import type { BuildRecord } from '../../protocol/index.ts';
import type { BenchContext, Scenario } from './scenario.ts';

const BUILDS = { full: 200, quick: 20 };
/** Failed samples (no checkStartedAt) tolerated before the scenario gives up. */
const MAX_FAILED_SHARE = 0.05;

const ms = (from: string | null, to: string | null) => (from && to ? Date.parse(to) - Date.parse(from) : Number.NaN);

export const dispatchLatency: Scenario = {
  name: 'dispatch',
  summary: 'submittedAt → checkStartedAt over one-at-a-time submissions to an idle agent',
  async run({ farm, size, log }: BenchContext) {
    const tarball = packPackage(quickRejectSpec());
    const total = BUILDS[size];
    const dispatch: number[] = [];
    const accept: number[] = [];
    const pickUp: number[] = [];
    const prepare: number[] = [];
    let failed = 0;
    for (let index = 0; index < total; index++) {
      await farm.waitForIdleAgents();
      const jobId = await farm.submit(tarball);
      const build: BuildRecord = await farm.waitForBuild(jobId);
      if (!build.checkStartedAt) {
        failed++;
        if (failed > total * MAX_FAILED_SHARE) throw new Error(`${failed} builds ended without starting a check (last: ${build.status}, ${build.reason})`);
        continue;
      }
      dispatch.push(ms(build.submittedAt, build.checkStartedAt));
      accept.push(ms(build.submittedAt, build.queuedAt));
      pickUp.push(ms(build.queuedAt, build.startedAt));
      prepare.push(ms(build.startedAt, build.checkStartedAt));
      if ((index + 1) % 50 === 0) log(`dispatch: ${index + 1}/${total} builds, p50 so far ${percentile(dispatch, 50)} ms`);
    }
    return {
      rows: [
        {
          key: 'dispatch_p50_ms',
          label: 'dispatch p50 (submitted → check started)',
          value: percentile(dispatch, 50),
          unit: 'ms',
          target: { op: '<=', value: 5 },
        },
        { key: 'dispatch_p99_ms', label: 'dispatch p99', value: percentile(dispatch, 99), unit: 'ms', target: { op: '<=', value: 25 } },
        { key: 'dispatch_max_ms', label: 'dispatch max', value: Math.max(...dispatch), unit: 'ms' },
        { key: 'dispatch_samples', label: 'builds measured', value: dispatch.length, unit: 'builds' },
        { key: 'dispatch_accept_p50_ms', label: '  part: submitted → queued (control plane)', value: round(median(accept), 1), unit: 'ms' },
        { key: 'dispatch_pickup_p50_ms', label: '  part: queued → started (NATS → agent)', value: round(median(pickUp), 1), unit: 'ms' },
        { key: 'dispatch_prepare_p50_ms', label: '  part: started → check started (agent)', value: round(median(prepare), 1), unit: 'ms' },
      ],
      notes: [
        `${total} submissions one at a time, each after the agent reported idle + 50 ms; records carry ms timestamps${failed ? `; ${failed} builds without a check start left out` : ''}`,
      ],
    };
  },
};
