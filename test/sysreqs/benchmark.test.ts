/**
 * The bar: resolving each package's own DESCRIPTION (not recursive) for debian-12 through a
 * running service, scored by ../shared/sysreqs-bench/score.mjs (--rule dev --provides), must reach
 * micro precision >= 0.90 and micro recall >= 0.85. Reported skipped when ../shared is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { descriptionOf, type DevRecord } from './dev-set.ts';
import { postJson, startTestService } from './service-fixture.ts';
import { testUnless } from '../support/skip.ts';

const BENCH = fileURLToPath(new URL('../../../shared/sysreqs-bench/', import.meta.url));
const PRECISION_BAR = 0.9;
const RECALL_BAR = 0.85;
const benchAbsent = existsSync(join(BENCH, 'score.mjs')) ? undefined : `the development set ${BENCH} is absent (a fresh clone has none)`;

testUnless(benchAbsent, 'debian-12 resolution of the development set clears the precision and recall bar', async () => {
  const records: DevRecord[] = JSON.parse(readFileSync(join(BENCH, 'debian12-dev.json'), 'utf8'));
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
  const dir = mkdtempSync(join(tmpdir(), 'sysreqs-bench-'));
  try {
    writeFileSync(join(dir, 'predictions.json'), JSON.stringify(predictions, null, 1));
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(BENCH, 'score.mjs'), '--truth', join(BENCH, 'debian12-dev.json'), '--pred', join(dir, 'predictions.json'),
      '--rule', 'dev', '--provides', join(BENCH, 'provides-bookworm.json'), '--json', join(dir, 'score.json'),
    ]);
    console.log(`  ${stdout.trim().split('\n').join('\n  ')}`);
    const score = JSON.parse(readFileSync(join(dir, 'score.json'), 'utf8'));
    assert.ok(score.micro.precision >= PRECISION_BAR, `micro precision ${score.micro.precision.toFixed(3)} < ${PRECISION_BAR}; spurious: ${JSON.stringify(score.topSpuriousPredictions)}`);
    assert.ok(score.micro.recall >= RECALL_BAR, `micro recall ${score.micro.recall.toFixed(3)} < ${RECALL_BAR}; missed: ${JSON.stringify(score.topMissedGroups)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
