/**
 * Sysreqs: `POST /resolve` (debian-12) for every package of the development set
 * (shared/sysreqs-bench/debian12-dev.json) against the farm's sysreqs service process: latency
 * one request at a time, and resolutions per second at 8 concurrent requests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { median, nowMs, percentile, round } from '../statistics.ts';
import type { BenchContext, Scenario } from './scenario.ts';
import { DEV_SET_PATH, descriptionOf, type DevRecord } from '../../test/sysreqs/dev-set.ts';

const CONCURRENCY = 8;
const ROUNDS = { full: 3, quick: 1 };

async function resolveOne(url: string, body: string): Promise<number> {
  const started = nowMs();
  const response = await fetch(`${url}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /resolve answered ${response.status}: ${text.slice(0, 300)}`);
  return nowMs() - started;
}

export const sysreqsResolution: Scenario = {
  name: 'sysreqs',
  summary: 'POST /resolve for the whole debian-12 development set: latency and resolutions/s',
  async run({ farm, size, log }: BenchContext) {
    if (!existsSync(DEV_SET_PATH))
      return { rows: [], notes: ['skipped: shared/sysreqs-bench/debian12-dev.json is absent (fresh clone; set SYSREQS_BENCH_DIR)'] };
    const records: DevRecord[] = JSON.parse(readFileSync(DEV_SET_PATH, 'utf8'));
    const bodies = records.map((record) => JSON.stringify({ platform: 'debian-12', description: descriptionOf(record) }));
    const url = farm.sysreqsUrl;
    for (const body of bodies.slice(0, 20)) await resolveOne(url, body); // warm-up
    const latencies: number[] = [];
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS[size]; round++) {
      for (const body of bodies) latencies.push(await resolveOne(url, body));
      const queue = [...bodies];
      const started = nowMs();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let body = queue.shift(); body; body = queue.shift()) await resolveOne(url, body);
        }),
      );
      rates.push((bodies.length / (nowMs() - started)) * 1000);
      log(`sysreqs: round ${round + 1}: ${Math.round(rates.at(-1)!)} resolutions/s`);
    }
    return {
      rows: [
        { key: 'sysreqs_per_s', label: `resolutions/s (${CONCURRENCY} concurrent)`, value: round(median(rates), 0), unit: 'res/s' },
        { key: 'sysreqs_p50_ms', label: 'latency p50 (one at a time)', value: round(percentile(latencies, 50), 2), unit: 'ms' },
        { key: 'sysreqs_p99_ms', label: 'latency p99 (one at a time)', value: round(percentile(latencies, 99), 2), unit: 'ms' },
      ],
      notes: [`${records.length} packages of the development set, ${ROUNDS[size]} round(s); fetch from the suite's process`],
    };
  },
};
