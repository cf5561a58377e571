/**
 * API throughput: `GET /jobs/info/<id>` of a finished job at 50 connections against a bare Koa
 * hello-world in its own process, alternating rounds in the same run (autocannon).
 */
import { HelloWorldServer, load, type LoadOutcome } from '../http-load.ts';
import { packPackage, quickRejectSpec } from '../bench-packages.ts';
import { CpuMeter, processCpuSeconds } from '../process-cpu.ts';
import { median, ratio, round } from '../statistics.ts';
import type { BenchContext, Scenario } from './scenario.ts';

const CONNECTIONS = 50;
const ROUNDS = { full: 3, quick: 1 };
const SECONDS = { full: 8, quick: 3 };

export const apiThroughput: Scenario = {
  name: 'api',
  summary: 'GET /jobs/info/<id> requests/s at 50 connections vs a bare Koa hello-world',
  async run({ farm, size, log }: BenchContext) {
    const jobId = await farm.submit(packPackage(quickRejectSpec()));
    await farm.waitForBuild(jobId);
    const hello = await HelloWorldServer.start();
    const info: LoadOutcome[] = [];
    const koa: LoadOutcome[] = [];
    // CPU time per request of each server: steadier than a rate when the machine is shared.
    const infoCpuMs: number[] = [];
    const koaCpuMs: number[] = [];
    const cpuPerRequest = async (pid: number | undefined, run: () => Promise<LoadOutcome>, into: number[]) => {
      const meter = new CpuMeter({ server: () => processCpuSeconds(pid) });
      const outcome = await run();
      const seconds = meter.used().server;
      const requests = outcome.requestsPerSecond * outcome.seconds;
      if (seconds !== null && requests > 0) into.push((seconds * 1000) / requests);
      return outcome;
    };
    const controlPlanePid = farm.local.controlPlane.child?.pid;
    try {
      // Warm both up (JIT, connection pools) before measuring.
      await load({ url: hello.url, connections: CONNECTIONS, seconds: 1 });
      await load({ url: `${farm.url}/jobs/info/${jobId}`, connections: CONNECTIONS, seconds: 1 });
      for (let round = 0; round < ROUNDS[size]; round++) {
        koa.push(await cpuPerRequest(hello.pid, () => load({ url: hello.url, connections: CONNECTIONS, seconds: SECONDS[size] }), koaCpuMs));
        info.push(
          await cpuPerRequest(
            controlPlanePid,
            () => load({ url: `${farm.url}/jobs/info/${jobId}`, connections: CONNECTIONS, seconds: SECONDS[size] }),
            infoCpuMs,
          ),
        );
        log(`api: round ${round + 1}: info ${Math.round(info.at(-1)!.requestsPerSecond)}/s, bare Koa ${Math.round(koa.at(-1)!.requestsPerSecond)}/s`);
      }
    } finally {
      await hello.stop();
    }
    const failures = info.reduce((sum, outcome) => sum + outcome.non2xx + outcome.errors, 0);
    if (failures > 0) throw new Error(`GET /jobs/info answered ${failures} requests with errors or non-2xx`);
    const infoRate = median(info.map((outcome) => outcome.requestsPerSecond));
    const koaRate = median(koa.map((outcome) => outcome.requestsPerSecond));
    return {
      rows: [
        {
          key: 'api_info_vs_koa_ratio',
          label: 'GET /jobs/info / bare Koa',
          value: round(ratio(infoRate, koaRate), 3),
          unit: '×',
          target: { op: '>=', value: 0.6 },
        },
        {
          key: 'api_cpu_ratio',
          label: '  CPU per request, bare Koa / GET /jobs/info',
          value: infoCpuMs.length && koaCpuMs.length ? round(ratio(median(koaCpuMs), median(infoCpuMs)), 3) : Number.NaN,
          unit: '×',
        },
        {
          key: 'api_info_cpu_us',
          label: '  CPU per request: GET /jobs/info',
          value: infoCpuMs.length ? round(median(infoCpuMs) * 1000, 1) : Number.NaN,
          unit: 'µs',
        },
        { key: 'api_koa_cpu_us', label: '  CPU per request: bare Koa', value: koaCpuMs.length ? round(median(koaCpuMs) * 1000, 1) : Number.NaN, unit: 'µs' },
        { key: 'api_info_per_s', label: 'GET /jobs/info/<id>', value: round(infoRate, 0), unit: 'req/s' },
        { key: 'api_koa_per_s', label: 'bare Koa hello-world', value: round(koaRate, 0), unit: 'req/s' },
        { key: 'api_info_p50_ms', label: '  info latency p50', value: median(info.map((outcome) => outcome.latencyP50Ms)), unit: 'ms' },
        { key: 'api_info_p99_ms', label: '  info latency p99', value: median(info.map((outcome) => outcome.latencyP99Ms)), unit: 'ms' },
      ],
      notes: [
        `${ROUNDS[size]} alternating rounds of ${SECONDS[size]} s each at ${CONNECTIONS} connections after 1 s warm-ups; medians; autocannon runs in the suite's process on the same cores`,
      ],
    };
  },
};
