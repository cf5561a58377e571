/** Admin worker routes on the local farm, and what a waiting build is told about its queue. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobInfo, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';

const farm = await startTestFarm({ workers: 1 });
const admin = { authorization: `Bearer ${farm.options.adminToken}` };

test.after(() => farm.cleanup());

async function workerIds(): Promise<string[]> {
  const response = await fetch(`${farm.url}/workers`, { headers: admin });
  return ((await response.json()) as { id: string }[]).map((worker) => worker.id);
}

test('the worker routes need the admin token', async () => {
  const missing = await fetch(`${farm.url}/workers`);
  assert.is(missing.status, 401);
  assert.is(((await missing.json()) as any).error.code, 'admin_token_required');
  const wrong = await fetch(`${farm.url}/workers`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
  assert.is(wrong.status, 403);
  const put = await fetch(`${farm.url}/worker`, { method: 'PUT' });
  assert.is(put.status, 401);
});

test('PUT /worker starts an agent process that joins; DELETE /worker/<id> makes it leave', async () => {
  assert.is((await workerIds()).length, 1);
  const started = await fetch(`${farm.url}/worker`, { method: 'PUT', headers: admin });
  assert.is(started.status, 201);
  const { id, platform } = (await started.json()) as { id: string; platform: string };
  assert.ok(id && platform);
  assert.ok((await workerIds()).includes(id));
  const platforms = (await (await fetch(`${farm.url}/platforms`)).json()) as { id: string; live_workers: number }[];
  assert.is(platforms.find((entry) => entry.id === platform)?.live_workers, 2);
  const removed = await fetch(`${farm.url}/worker/${id}`, { method: 'DELETE', headers: admin });
  assert.is(removed.status, 202);
  const deadline = Date.now() + 20_000;
  while ((await workerIds()).includes(id)) {
    assert.ok(Date.now() < deadline, 'the worker did not leave');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const unknown = await fetch(`${farm.url}/worker/no-such-worker`, { method: 'DELETE', headers: admin });
  assert.is(unknown.status, 404);
});

test('a queued build shows its position in the queue and, once builds have finished there, an estimated start', async () => {
  const first = await submit(farm, packTarball(packages.ok('firstpkg')));
  await waitForJob(farm, first.body.id);
  const running = await submit(farm, packTarball(packages.slow(20, 'blockerpkg')));
  await waitForJob(farm, running.body.id, 60_000, (build) => build.status === 'RUNNING');
  const waiting = await submit(farm, packTarball(packages.ok('waitingpkg')));
  const build = (await jobInfo(farm, waiting.body.id)).builds[0];
  assert.is(build.status, 'QUEUED');
  assert.is(build.queue.position, 1, 'the running build is ahead of it');
  assert.is(build.queue.live_workers, 1);
  assert.ok(build.queue.estimated_start, 'a finished build on the platform gives an estimate');
  await fetch(`${farm.url}/jobs/${running.body.id}`, { method: 'DELETE' });
  await waitForJob(farm, waiting.body.id);
});

test.run();
