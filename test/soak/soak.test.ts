/** The short form of `npm run soak`: every fault scenario, small, inside `npm test`. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SCALES, failed, printSummary, runSoak } from './run.ts';

const seed = Number(process.env.SOAK_SEED || 1234);

test(`no build is lost or duplicated through agent, control-plane and nats-server kills, a cluster node loss, and fuzzing (seed ${seed})`, async () => {
  const results = await runSoak(SCALES.short, seed);
  printSummary(results);
  for (const result of results) {
    assert.is(result.lost, 0, `${result.scenario}: lost`);
    assert.is(result.duplicated, 0, `${result.scenario}: duplicated`);
    assert.is(result.serverErrors, 0, `${result.scenario}: 5xx`);
    assert.not.ok(failed(result), `${result.scenario}: ${result.notes.join('; ')}`);
  }
});

test.run();
