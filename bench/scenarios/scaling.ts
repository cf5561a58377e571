/**
 * Scaling: builds per minute with 1 and with 2 agents on a queue of 20 tiny real packages,
 * queued all at once. Throughput is counted from the first build's start to the last one's end
 * (the records' own timestamps), so submitting the queue is not part of it.
 */
import { isTerminal, type BuildRecord } from '../../protocol/index.ts';
import { packPackage, tinySpec } from '../bench-packages.ts';
import { median, ratio, round } from '../statistics.ts';
import type { BenchContext, Scenario } from './scenario.ts';
import type { BenchFarm } from '../bench-farm.ts';

const QUEUE = 20;
/** Rounds per agent count, alternating 1 2 1 2 … */
const ROUNDS = { full: 2, quick: 1 };
const QUEUE_SIZE = { full: QUEUE, quick: 4 };

/** Builds per minute for one queue on `agents` agents. */
async function buildsPerMinute(farm: BenchFarm, agents: number, queue: number, tarball: Buffer): Promise<number> {
  await farm.setAgentCount(agents);
  await farm.waitForIdleAgents();
  const jobIds: string[] = [];
  for (let index = 0; index < queue; index++) jobIds.push(await farm.submit(tarball));
  const builds: BuildRecord[] = [];
  for (const jobId of jobIds) builds.push(await farm.waitForBuild(jobId, farm.platform, (build) => isTerminal(build.status), 30 * 60_000));
  const bad = builds.filter((build) => build.status !== 'DONE' || build.result?.status !== 'OK');
  if (bad.length > 0) throw new Error(`${bad.length} of ${queue} builds did not end DONE/OK (first: ${bad[0].status} ${bad[0].reason ?? ''})`);
  const workers = new Set(builds.map((build) => build.worker?.id));
  if (workers.size !== agents) throw new Error(`${agents} agents were running but ${workers.size} took builds`);
  const first = Math.min(...builds.map((build) => Date.parse(build.startedAt!)));
  const last = Math.max(...builds.map((build) => Date.parse(build.finishedAt!)));
  return (queue / (last - first)) * 60_000;
}

export const scaling: Scenario = {
  name: 'scaling',
  summary: 'builds per minute with 1 vs 2 agents on a queue of 20 tiny packages',
  async run({ farm, size, log }: BenchContext) {
    const tarball = packPackage(tinySpec('benchscale'));
    const one: number[] = [];
    const two: number[] = [];
    try {
      for (let round = 0; round < ROUNDS[size]; round++) {
        one.push(await buildsPerMinute(farm, 1, QUEUE_SIZE[size], tarball));
        log(`scaling: round ${round + 1}: 1 agent ${one.at(-1)!.toFixed(2)} builds/min`);
        two.push(await buildsPerMinute(farm, 2, QUEUE_SIZE[size], tarball));
        log(`scaling: round ${round + 1}: 2 agents ${two.at(-1)!.toFixed(2)} builds/min`);
      }
    } finally {
      await farm.setAgentCount(1);
    }
    return {
      rows: [
        { key: 'scaling_ratio', label: '2 agents / 1 agent', value: round(ratio(median(two), median(one)), 3), unit: '×', target: { op: '>=', value: 1.8 } },
        { key: 'scaling_1_agent_per_min', label: '1 agent', value: round(median(one), 2), unit: 'builds/min' },
        { key: 'scaling_2_agents_per_min', label: '2 agents', value: round(median(two), 2), unit: 'builds/min' },
      ],
      notes: [`${ROUNDS[size]} round(s) of a ${QUEUE_SIZE[size]}-build queue per agent count; first start → last finish from the records`],
    };
  },
};
