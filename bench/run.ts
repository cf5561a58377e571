/**
 * `npm run bench`: starts its own local farm on loopback, runs every scenario (bench/scenarios/),
 * prints one table of medians and ratios on stdout and writes the same to bench/results.json.
 *
 *   npm run bench                      the full suite (about 12 minutes on 2 cores)
 *   npm run bench -- --quick           fewer repetitions, to see that everything works
 *   npm run bench -- --only=api,submit some scenarios only
 *
 * Not part of `npm test`: the figures depend on the machine, so nothing here asserts a target.
 */
import { fileURLToPath } from 'node:url';
import { BenchFarm } from './bench-farm.ts';
import { machineFacts, machineLine } from './machine.ts';
import { formatTable, writeResults, type ScenarioResult } from './results-table.ts';
import { SCENARIOS, type BenchSize } from './scenarios/index.ts';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

function parseArguments(argv: readonly string[]): { size: BenchSize; only: string[] | null } {
  let size: BenchSize = 'full';
  let only: string[] | null = null;
  for (const argument of argv) {
    if (argument === '--quick') size = 'quick';
    else if (argument.startsWith('--only=')) only = argument.slice('--only='.length).split(',').filter(Boolean);
    else throw new Error(`unknown argument ${argument}; use --quick and/or --only=${SCENARIOS.map((scenario) => scenario.name).join(',')}`);
  }
  const unknown = (only ?? []).filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);
  return { size, only };
}

async function main(): Promise<void> {
  const { size, only } = parseArguments(process.argv.slice(2));
  const facts = machineFacts();
  const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  log(machineLine(facts));
  log('starting a local farm (nats-server, control plane, sysreqs, 1 agent) on loopback');
  const farm = await BenchFarm.start({ workers: 1 });
  const stop = () => void farm.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const sections: { name: string; result: ScenarioResult }[] = [];
  try {
    for (const scenario of SCENARIOS.filter((candidate) => !only || only.includes(candidate.name))) {
      log(`${scenario.name}: ${scenario.summary}`);
      const started = Date.now();
      try {
        sections.push({ name: scenario.name, result: await scenario.run({ farm, size, log }) });
      } catch (error) {
        // One broken scenario must not cost the others' figures; the table says what failed.
        log(`${scenario.name} failed: ${(error as Error).stack ?? error}`);
        sections.push({ name: scenario.name, result: { rows: [], notes: [`FAILED: ${(error as Error).message}`] } });
      }
      log(`${scenario.name}: done in ${Math.round((Date.now() - started) / 1000)} s`);
    }
  } finally {
    await farm.stop();
  }
  writeResults(RESULTS, facts, sections);
  console.log(formatTable(machineLine(facts), sections));
  console.log(`\n(${size} size${only ? `, only ${only.join(',')}` : ''}; written to bench/results.json)`);
  process.exitCode = sections.some((section) => section.result.notes.some((note) => note.startsWith('FAILED'))) ? 1 : 0;
}

main().catch((error: Error) => {
  console.error(`rfarm bench: ${error.stack ?? error.message}`);
  process.exit(1);
});
