/**
 * `npm run soak`: fault injection with real processes on loopback, bounded in time, stops by
 * itself. SOAK_SEED replays a run; SOAK_SCALE=short runs the short form that `npm test` runs.
 */
import { agentKills, clusterNodeLoss, controlPlaneRestarts, natsRestart, seededRandom } from './fault-scenarios.ts';
import { fuzz } from './fuzz.ts';
import type { SoakSummary } from './ledger.ts';

export interface SoakScale {
  readonly agentKillSubmissions: number;
  readonly agentKills: number;
  readonly burstSubmissions: number;
  readonly controlPlaneKills: number;
  readonly natsSubmissions: number;
  readonly natsKills: number;
  readonly clusterSubmissions: number;
  readonly fuzzUploads: number;
  readonly fuzzRequests: number;
  readonly settleMs: number;
}

export const SCALES: Record<'full' | 'short', SoakScale> = {
  full: {
    agentKillSubmissions: 100,
    agentKills: 12,
    burstSubmissions: 60,
    controlPlaneKills: 3,
    natsSubmissions: 30,
    natsKills: 2,
    clusterSubmissions: 30,
    fuzzUploads: 1000,
    fuzzRequests: 1000,
    settleMs: 600_000,
  },
  short: {
    agentKillSubmissions: 12,
    agentKills: 3,
    burstSubmissions: 12,
    controlPlaneKills: 1,
    natsSubmissions: 8,
    natsKills: 1,
    clusterSubmissions: 9,
    fuzzUploads: 150,
    fuzzRequests: 150,
    settleMs: 240_000,
  },
};

/** Runs every scenario in turn (or those named in `only`). */
export async function runSoak(scale: SoakScale, seed: number, only?: string[]): Promise<SoakSummary[]> {
  const random = seededRandom(seed);
  const scenarios: [string, () => Promise<SoakSummary>][] = [
    ['agent-kills', () => agentKills({ submissions: scale.agentKillSubmissions, faults: scale.agentKills, random, settleMs: scale.settleMs })],
    ['control-plane', () => controlPlaneRestarts({ submissions: scale.burstSubmissions, faults: scale.controlPlaneKills, random, settleMs: scale.settleMs })],
    ['nats-restart', () => natsRestart({ submissions: scale.natsSubmissions, faults: scale.natsKills, random, settleMs: scale.settleMs })],
    ['cluster', () => clusterNodeLoss({ submissions: scale.clusterSubmissions, faults: 1, random, settleMs: scale.settleMs })],
    ['fuzz', () => fuzz(scale.fuzzUploads, scale.fuzzRequests, random)],
  ];
  const results: SoakSummary[] = [];
  for (const [name, scenario] of scenarios) {
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    const summary = await scenario();
    summary.notes.push(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    results.push(summary);
    printSummary([summary]);
  }
  return results;
}

export function failed(summary: SoakSummary): boolean {
  return (
    summary.lost > 0 ||
    summary.duplicated > 0 ||
    summary.serverErrors > 0 ||
    summary.incompleteOutput > 0 ||
    summary.badAnswers > 0 ||
    (summary.scenario !== 'fuzz' && summary.completed < summary.submitted)
  );
}

export function printSummary(results: readonly SoakSummary[]): void {
  const header = ['scenario', 'submitted', 'completed', 'lost', 'duplicated', 'bad output', '5xx', 'bad answers'];
  const rows = results.map((summary) =>
    [
      summary.scenario,
      summary.submitted,
      summary.completed,
      summary.lost,
      summary.duplicated,
      summary.incompleteOutput,
      summary.serverErrors,
      summary.badAnswers,
    ].map(String),
  );
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  console.log(line(header));
  for (const [index, row] of rows.entries()) {
    console.log(line(row));
    for (const note of results[index].notes.slice(0, 12)) console.log(`    ${note}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The ledger's own NATS client may time out while a node is down; that must not end the run.
  process.on('unhandledRejection', (error) => console.error('soak: unhandled rejection:', (error as Error)?.message ?? error));
  const seed = Number(process.env.SOAK_SEED || Date.now() % 100_000);
  const scale = SCALES[process.env.SOAK_SCALE === 'short' ? 'short' : 'full'];
  const only = process.argv.slice(2);
  console.log(`rfarm soak: seed ${seed} (replay with SOAK_SEED=${seed}), scale ${process.env.SOAK_SCALE === 'short' ? 'short' : 'full'}`);
  const results = await runSoak(scale, seed, only.length ? only : undefined);
  console.log('\nsummary');
  printSummary(results);
  const totals = results.reduce(
    (sum, result) => ({ lost: sum.lost + result.lost, duplicated: sum.duplicated + result.duplicated, errors: sum.errors + result.serverErrors }),
    { lost: 0, duplicated: 0, errors: 0 },
  );
  console.log(`\ntotal: lost ${totals.lost}, duplicated ${totals.duplicated}, 5xx ${totals.errors}`);
  process.exit(results.some(failed) ? 1 : 0);
}
