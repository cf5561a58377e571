/**
 * Runs claimed in a KV bucket (control-plane/runs/), the mechanism GitHub CI and reverse-dependency
 * checks share, against a real nats-server: a run is accepted once, exactly one control plane
 * claims it, a dead control plane's claim is taken over, and every accepted run is prepared once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, encode } from '../../../protocol/index.ts';
import { ClaimedRunPreparer, ClaimedRuns, STALE_CLAIM_MS, type ClaimableRun, type ClaimState } from '../../../control-plane/runs/index.ts';
import { startNats } from '../../../scripts/nats-server.ts';
import { until } from '../../support/until.ts';

interface TestRun extends ClaimableRun {
  readonly id: string;
  readonly state: ClaimState | 'prepared';
  readonly note: string;
}

const dir = mkdtempSync(join(tmpdir(), 'rfarm-claimed-runs-'));
const [nats] = await startNats(join(dir, 'nats'));
// Two connections: two control planes sharing the bucket.
const first = await connectFarm({ servers: [nats.url], replicas: 1, name: 'claimed-runs-test-1' });
const second = await connectFarm({ servers: [nats.url], replicas: 1, name: 'claimed-runs-test-2' });
const log = pino({ level: 'silent' });

test.after(async () => {
  await first.close();
  await second.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

let bucketCount = 0;
/** The same fresh bucket as each control plane sees it. */
function runsPair(): [ClaimedRuns<TestRun>, ClaimedRuns<TestRun>] {
  const options = { bucket: `rfarm_test_runs_${++bucketCount}`, replicas: 1, idOf: (run: TestRun) => run.id };
  return [new ClaimedRuns<TestRun>(first, options), new ClaimedRuns<TestRun>(second, options)];
}

const received = (id: string, note = ''): TestRun => ({ id, state: 'received', claimedAt: null, attempts: 0, note });

test('a run is accepted once: a second with the same id is refused and the first is kept', async () => {
  const [runs] = runsPair();
  assert.is(await runs.accept(received('a', 'first')), true);
  assert.is(await runs.accept(received('a', 'replay')), false);
  assert.is((await runs.get('a'))?.note, 'first');
  assert.is(await runs.get('missing'), null);
});

test('of two control planes claiming the same received run, exactly one wins', async () => {
  const [mine, theirs] = runsPair();
  await mine.accept(received('a'));
  const claims = await Promise.all([mine.claim('a'), theirs.claim('a'), mine.claim('a'), theirs.claim('a')]);
  const winners = claims.filter((claim) => claim !== null);
  assert.is(winners.length, 1);
  assert.is(winners[0]!.state, 'claimed');
  const stored = await mine.get('a');
  assert.is(stored?.state, 'claimed');
  assert.is(stored?.claimedAt, winners[0]!.claimedAt);
  assert.ok(Math.abs(Date.parse(stored!.claimedAt!) - Date.now()) < 60_000);
  assert.is(await theirs.claim('a'), null, 'a claimed run cannot be claimed again');
});

test('a claim older than the limit is handed back; a fresh claim and a finished run are left alone', async () => {
  const [runs] = runsPair();
  for (const id of ['stale', 'fresh', 'done']) {
    await runs.accept(received(id));
    await runs.claim(id);
  }
  const longAgo = new Date(Date.now() - STALE_CLAIM_MS - 60_000).toISOString();
  await runs.update('stale', (run) => ({ ...run, claimedAt: longAgo }));
  await runs.update('done', (run) => ({ ...run, state: 'prepared', claimedAt: longAgo }));
  await runs.handBackStaleClaims(STALE_CLAIM_MS);
  assert.equal([(await runs.get('stale'))?.state, (await runs.get('stale'))?.claimedAt], ['received', null]);
  assert.is((await runs.get('fresh'))?.state, 'claimed');
  assert.is((await runs.get('done'))?.state, 'prepared');
});

test('a run handed back records its attempts; a run no longer claimed is not handed back', async () => {
  const [runs] = runsPair();
  await runs.accept(received('a'));
  await runs.claim('a');
  await runs.handBack('a', 3);
  assert.equal(await runs.get('a'), { ...received('a'), attempts: 3 });
  await runs.claim('a');
  await runs.handBack('a');
  assert.is((await runs.get('a'))?.attempts, 3, 'without a count the recorded attempts stay');
  await runs.claim('a');
  await runs.update('a', (run) => ({ ...run, state: 'prepared' }));
  await runs.handBack('a', 4);
  assert.is((await runs.get('a'))?.state, 'prepared');
});

test('ids lists the runs only, not other keys a feature keeps in the bucket', async () => {
  const [runs] = runsPair();
  await runs.accept(received('a'));
  await runs.accept(received('b'));
  const kv = await runs.bucket();
  await kv.put('job.x', encode({ id: 'a' }));
  assert.equal((await runs.ids()).sort(), ['a', 'b']);
});

test('two control planes prepare every received run once, those accepted before they started too', async () => {
  const [mine, theirs] = runsPair();
  const prepared: string[] = [];
  const preparerOf = (runs: ClaimedRuns<TestRun>) =>
    new ClaimedRunPreparer<TestRun>({
      runs,
      label: 'test run',
      idField: 'id',
      log,
      prepare: async (run) => {
        prepared.push(run.id);
        await runs.update(run.id, (current) => ({ ...current, state: 'prepared' }));
      },
    });
  await mine.accept(received('before'));
  const preparers = [preparerOf(mine), preparerOf(theirs)];
  for (const preparer of preparers) await preparer.start();
  try {
    for (const id of ['after-1', 'after-2', 'after-3']) await theirs.accept(received(id));
    for (const id of ['before', 'after-1', 'after-2', 'after-3']) {
      await until(`${id} prepared`, async () => (await mine.get(id))?.state === 'prepared', 10_000);
    }
    assert.equal(prepared.sort(), ['after-1', 'after-2', 'after-3', 'before']);
  } finally {
    for (const preparer of preparers) preparer.stop();
  }
});

test('a run handed back for another try is prepared again with its attempts; a stopped preparer prepares nothing', async () => {
  const [runs] = runsPair();
  const seen: Array<[string, number]> = [];
  const preparer: ClaimedRunPreparer<TestRun> = new ClaimedRunPreparer<TestRun>({
    runs,
    label: 'test run',
    idField: 'id',
    log,
    prepare: async (run) => {
      seen.push([run.id, run.attempts]);
      if (run.attempts === 0) return preparer.handBackLater(run.id, 50, run.attempts + 1);
      await runs.update(run.id, (current) => ({ ...current, state: 'prepared' }));
    },
  });
  await preparer.start();
  await runs.accept(received('flaky'));
  await until('flaky prepared', async () => (await runs.get('flaky'))?.state === 'prepared', 10_000);
  assert.equal(seen, [
    ['flaky', 0],
    ['flaky', 1],
  ]);

  preparer.stop();
  await runs.accept(received('late'));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is((await runs.get('late'))?.state, 'received');
  assert.equal(seen.length, 2);
});

test.run();
