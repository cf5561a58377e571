/**
 * The development set's misses and false positives, per package, in the four views the README reports
 * (DESCRIPTION only or with the sources; plain or cross-validated), scored by the set's own scorer:
 *
 *   npx tsx test/sysreqs/misses.ts [--sources] [--cross-validated] [--contents-index <use>]
 *
 * For reading why the resolver misses what it misses, never for tuning to individual packages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR, loadRuleDatabase, parseContentsIndexUse } from '../../sysreqs/index.ts';
import { crossValidatedPredictions, FOLDS, predict } from './cross-validation.ts';
import { readDevSources, scoreDevSet } from './dev-scores.ts';
import { BENCH_DIR, type DevRecord } from './dev-set.ts';

const { values } = parseArgs({
  options: { sources: { type: 'boolean' }, 'cross-validated': { type: 'boolean' }, 'contents-index': { type: 'string' } },
});
if (!BENCH_DIR) {
  console.error('the development set shared/sysreqs-bench is absent (set SYSREQS_BENCH_DIR)');
  process.exit(2);
}
const records: DevRecord[] = JSON.parse(readFileSync(join(BENCH_DIR, 'debian12-dev.json'), 'utf8'));
const sources = values.sources ? await readDevSources() : undefined;
const resolveOptions = values['contents-index'] ? { contentsIndex: parseContentsIndexUse(values['contents-index']) } : {};
const predictions = values['cross-validated']
  ? crossValidatedPredictions(records, FOLDS, sources, {}, resolveOptions)
  : predict(loadRuleDatabase(DEFAULT_RULES_DIR), records, sources, resolveOptions);
const result = await scoreDevSet(predictions);
const view = `${values.sources ? `with the sources of ${sources?.size} packages` : 'DESCRIPTION only'}, ${values['cross-validated'] ? `cross-validated (${FOLDS} folds)` : 'plain'}`;
console.log(`${view}: micro precision ${result.micro.precision.toFixed(3)}, recall ${result.micro.recall.toFixed(3)}`);
const rows = result.packages.filter((row) => row.missed.length > 0 || row.spurious.length > 0);
console.log(
  `missed groups: ${rows.reduce((sum, row) => sum + row.missed.length, 0)}; false positives: ${rows.reduce((sum, row) => sum + row.spurious.length, 0)}`,
);
for (const row of rows) {
  const source = sources ? (sources.has(row.package) ? '' : ' (no source)') : '';
  console.log(`${row.package}${source}\tmissed: ${row.missed.join(' ') || '-'}\tfalse: ${row.spurious.join(' ') || '-'}`);
}
