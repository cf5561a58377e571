/**
 * Debian-metric scores of the development set (shared/sysreqs-bench, scored by its score.mjs with
 * `--rule dev --provides`): each package's own DESCRIPTION resolved for debian-12, not recursive.
 *
 * Two figures. Plain: the shipped rules through a running service. Cross-validated (5 folds): each
 * fold resolved by the rules without the name-list entries (`packages:` / `linking_to:`) of that
 * fold's packages — what the rules score on packages nobody wrote entries from.
 *
 * The issue's bar (precision >= 0.90 and recall >= 0.85, cross-validated) is NOT met: the figures are
 * printed against it and the README gives them. What this test asserts is a regression floor just
 * under today's figures; it fails when a change makes either figure fall below it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RULES_DIR, loadRuleDatabase } from '../../sysreqs/index.ts';
import { crossValidatedPredictions, FOLDS, predict } from './cross-validation.ts';
import { readDevSources, scoreDevSet as score, SOURCES_DIR, type Score } from './dev-scores.ts';
import { BENCH_DIR, descriptionOf, type DevRecord } from './dev-set.ts';
import { textMappingWithoutEachRule } from './rule-ablation.ts';
import { postJson, startTestService } from './service-fixture.ts';
import { testUnless } from '../support/skip.ts';

/** The issue's bar, reported and not asserted (it is not met). */
const ISSUE_BAR = { precision: 0.9, recall: 0.85 };
/**
 * Floors under today's figures: DESCRIPTION only, plain P 0.962 R 0.761, cross-validated P 0.947 R 0.537;
 * with the sources (configure/Makevars, includes of compiled code), plain P 0.963 R 0.776, cross-validated
 * P 0.959 R 0.701 (0.956 / 0.642 before the contents index read Contents-all and unshipped quoted and
 * own-folder headers); the generic text mapping without each item's rule: the same package for 44 of 62
 * items, another for 3. (Plain recall went down from 0.776 and 0.791 when the x11 rule stopped
 * installing Xt and the Depends closure went off by default; see the README.)
 */
const FLOOR = {
  plain: { precision: 0.95, recall: 0.75 },
  crossValidated: { precision: 0.93, recall: 0.53 },
  sourcesPlain: { precision: 0.95, recall: 0.77 },
  sourcesCrossValidated: { precision: 0.94, recall: 0.69 },
  textMapping: { same: 43, other: 4 },
};

function report(label: string, { micro }: Score): void {
  const meets = micro.precision >= ISSUE_BAR.precision && micro.recall >= ISSUE_BAR.recall;
  console.log(
    `  ${label}: micro precision ${micro.precision.toFixed(3)}, recall ${micro.recall.toFixed(3)} (issue bar P>=${ISSUE_BAR.precision} R>=${ISSUE_BAR.recall}: ${meets ? 'met' : 'not met'})`,
  );
}

const records: DevRecord[] = BENCH_DIR ? JSON.parse(readFileSync(join(BENCH_DIR, 'debian12-dev.json'), 'utf8')) : [];
const benchAbsent = BENCH_DIR ? undefined : 'the development set shared/sysreqs-bench is absent (a fresh clone has none; set SYSREQS_BENCH_DIR)';

testUnless(benchAbsent, 'plain: the shipped rules through the service stay above the floor', async () => {
  const service = await startTestService({ repository: false });
  const predictions: Record<string, string[]> = {};
  try {
    const queue = [...records];
    const worker = async () => {
      for (let record = queue.shift(); record; record = queue.shift()) {
        const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'debian-12', description: descriptionOf(record) });
        assert.is(status, 200, `${record.package}: ${JSON.stringify(body)}`);
        predictions[record.package] = body.packages;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    await service.close();
  }
  const result = await score(predictions);
  report('plain', result);
  assert.ok(result.micro.precision >= FLOOR.plain.precision, `plain precision ${result.micro.precision.toFixed(3)} < floor ${FLOOR.plain.precision}`);
  assert.ok(result.micro.recall >= FLOOR.plain.recall, `plain recall ${result.micro.recall.toFixed(3)} < floor ${FLOOR.plain.recall}`);
});

testUnless(benchAbsent, `cross-validated (${FOLDS} folds of the name lists) stays above the floor`, async () => {
  const result = await score(crossValidatedPredictions(records));
  report(`cross-validated, ${FOLDS} folds`, result);
  assert.ok(
    result.micro.precision >= FLOOR.crossValidated.precision,
    `cross-validated precision ${result.micro.precision.toFixed(3)} < floor ${FLOOR.crossValidated.precision}`,
  );
  assert.ok(
    result.micro.recall >= FLOOR.crossValidated.recall,
    `cross-validated recall ${result.micro.recall.toFixed(3)} < floor ${FLOOR.crossValidated.recall}`,
  );
});

testUnless(benchAbsent, 'without the rule that answers an item, the generic text mapping still gives its package (floor)', () => {
  const result = textMappingWithoutEachRule(records);
  console.log(
    `  leave-one-rule-out on ${result.items} SystemRequirements items: the same -dev package ${result.same}, another ${result.other}, nothing ${result.nothing}`,
  );
  assert.ok(result.same >= FLOOR.textMapping.same, `the generic mapping gave the rule's package for ${result.same} < ${FLOOR.textMapping.same} items`);
  assert.ok(result.other <= FLOOR.textMapping.other, `the generic mapping gave another package for ${result.other} > ${FLOOR.textMapping.other} items`);
});

const sourcesAbsent =
  benchAbsent ?? (existsSync(SOURCES_DIR) ? undefined : `no development-set sources in ${SOURCES_DIR} (set SYSREQS_DEV_SOURCES; see the README)`);

testUnless(sourcesAbsent, 'with the sources (configure/Makevars, includes): plain and cross-validated stay above the floor', async () => {
  const sources = await readDevSources();
  console.log(`  sources of ${sources.size} of ${records.length} development packages`);
  const plain = await score(predict(loadRuleDatabase(DEFAULT_RULES_DIR), records, sources));
  report('with sources, plain', plain);
  const crossValidated = await score(crossValidatedPredictions(records, FOLDS, sources));
  report(`with sources, cross-validated, ${FOLDS} folds`, crossValidated);
  assert.ok(plain.micro.precision >= FLOOR.sourcesPlain.precision, `with sources, plain precision ${plain.micro.precision.toFixed(3)} < floor`);
  assert.ok(plain.micro.recall >= FLOOR.sourcesPlain.recall, `with sources, plain recall ${plain.micro.recall.toFixed(3)} < floor`);
  assert.ok(
    crossValidated.micro.precision >= FLOOR.sourcesCrossValidated.precision,
    `with sources, cross-validated precision ${crossValidated.micro.precision.toFixed(3)} < floor`,
  );
  assert.ok(
    crossValidated.micro.recall >= FLOOR.sourcesCrossValidated.recall,
    `with sources, cross-validated recall ${crossValidated.micro.recall.toFixed(3)} < floor`,
  );
});

test.run();
