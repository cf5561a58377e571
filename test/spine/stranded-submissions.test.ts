/**
 * What a control plane that crashed mid-submission leaves behind is finished or removed by the
 * next one: the records are written here exactly as `JobService.submit` writes them up to the
 * crash point, then a fresh control plane starts and sweeps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, encode, keys, newBuildRecord, objectNames, readRecord, type JobRecord, type SubmissionMarker } from '../../protocol/index.ts';
import { startTestFarm, waitForJob } from '../support/farm.ts';
import { descriptionText, packTarball, packages } from '../support/r-packages.ts';

const farm = await startTestFarm({ workers: 1 });
const nats = await connectFarm({ servers: farm.natsUrl.split(','), credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'stranded-test' });
const platform = ((await (await fetch(`${farm.url}/platforms`)).json()) as { id: string; live_workers: number }[]).find((entry) => entry.live_workers > 0)!.id;

test.after(async () => {
  await nats.close();
  await farm.cleanup();
});

async function strand(jobId: string, ageMs: number, visible: boolean, uploadNamed = true): Promise<void> {
  const at = new Date(Date.now() - ageMs).toISOString();
  const marker: SubmissionMarker = { jobId, platforms: [platform], startedAt: at };
  await nats.jobs.create(keys.submission(jobId), encode(marker));
  const spec = packages.ok(`stranded${jobId[0]}`);
  if (uploadNamed) await nats.uploads.putBlob({ name: objectNames.upload(jobId) }, packTarball(spec));
  await nats.jobs.create(keys.build(jobId, platform), encode(newBuildRecord(jobId, platform, at)));
  if (!visible) return;
  const job: JobRecord = {
    id: jobId,
    package: spec.name,
    version: '0.1.0',
    platforms: [platform],
    email: null,
    checkArgs: [],
    env: {},
    submittedAt: at,
    uploadSize: 0,
    publish: false,
    prebuilt: false,
    description: descriptionText(spec),
    cancelledAt: null,
  };
  await nats.jobs.create(keys.job(jobId), encode(job));
}

const visibleId = 'a'.repeat(32);
const abandonedId = 'b'.repeat(32);
await strand(visibleId, 20_000, true); // crashed after the job record, before its queue message
await strand(abandonedId, 11 * 60_000, false); // crashed before the job record, long ago
// The job record goes out beside the upload's name: crashed after it, before the upload was named.
const incompleteId = 'c'.repeat(32);
await strand(incompleteId, 11 * 60_000, true, false);
await farm.restartControlPlane('SIGKILL'); // the fresh control plane sweeps 16 s after it starts

test('a job that was visible but never queued is queued by the next control plane and finishes', async () => {
  const info = await waitForJob(farm, visibleId, 120_000);
  assert.is(info.builds[0].status, 'DONE', info.builds[0].reason);
  assert.is(await readRecord(nats.jobs, keys.submission(visibleId)), null, 'the marker is gone');
});

test('a submission that never became visible is removed: records, upload and marker', async () => {
  assert.is(await readRecord(nats.jobs, keys.build(abandonedId, platform)), null);
  assert.is(await readRecord(nats.jobs, keys.submission(abandonedId)), null);
  const upload = await nats.uploads.info(objectNames.upload(abandonedId));
  assert.ok(upload === null || upload.deleted, 'the upload is deleted');
  assert.is((await fetch(`${farm.url}/jobs/info/${abandonedId}`)).status, 404);
});

test('a job record whose upload was never named is removed with the rest: never answered 2xx, never queued', async () => {
  assert.is(await readRecord(nats.jobs, keys.job(incompleteId)), null);
  assert.is(await readRecord(nats.jobs, keys.build(incompleteId, platform)), null);
  assert.is(await readRecord(nats.jobs, keys.submission(incompleteId)), null);
  assert.is((await fetch(`${farm.url}/jobs/info/${incompleteId}`)).status, 404);
});

test('a normal submission leaves no marker behind', async () => {
  const response = await fetch(`${farm.url}/jobs/submit/tarball`, {
    method: 'PUT',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(packTarball(packages.ok('markerpkg'))),
  });
  const { id } = (await response.json()) as { id: string };
  assert.is(await readRecord(nats.jobs, keys.submission(id)), null);
});

test.run();
