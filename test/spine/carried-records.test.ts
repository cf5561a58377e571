/**
 * A queue message carries the job and the build as the control plane created them, so an idle agent
 * starts the build without reading them first; the records stay the truth. Here no agent is running
 * when the jobs are submitted: by the time one takes the messages, the revision they carry is stale
 * (the control plane has marked the builds QUEUED, and one was cancelled), and what the agent writes
 * must still start from the records as they are.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BUILDS_STREAM,
  connectFarm,
  decode,
  keys,
  readRecord,
  storedMessageAt,
  type BuildRecord,
  type BuildRequest,
  type Versioned,
} from '../../protocol/index.ts';
import { startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';

const farm = await startTestFarm({ workers: 1 });
const nats = await connectFarm({ servers: farm.natsUrl.split(','), credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'carried-records-test' });
const platform = ((await (await fetch(`${farm.url}/platforms`)).json()) as { id: string; live_workers: number }[]).find((entry) => entry.live_workers > 0)!.id;

test.after(async () => {
  await nats.close();
  await farm.cleanup();
});

async function buildRecord(jobId: string): Promise<Versioned<BuildRecord>> {
  const record = await readRecord<BuildRecord>(nats.jobs, keys.build(jobId, platform));
  assert.ok(record, `the build record of ${jobId} exists`);
  return record;
}

/** The request stored in the build's queue message. */
async function queueMessage(build: BuildRecord): Promise<BuildRequest> {
  assert.ok(build.queueSequence, 'the build has a queue message');
  const message = await storedMessageAt(nats, BUILDS_STREAM, build.queueSequence);
  assert.ok(message, 'the queue message is stored (no agent has taken it)');
  return decode<BuildRequest>(message.data);
}

test('a message whose carried revision went stale: the agent keeps the QUEUED mark, starts from it, and leaves a cancelled build unstarted', async () => {
  await farm.agents[0].stop();
  const cancelled = await submit(farm, packTarball(packages.ok('carriedcancel')), `platform=${platform}`);
  const kept = await submit(farm, packTarball(packages.ok('carriedkept')), `platform=${platform}`);
  assert.is(cancelled.status, 202, JSON.stringify(cancelled.body));
  assert.is(kept.status, 202, JSON.stringify(kept.body));

  const queued = await buildRecord(kept.body.id);
  assert.is(queued.value.status, 'QUEUED');
  const request = await queueMessage(queued.value);
  assert.is(request.job?.id, kept.body.id, 'the message carries the job record');
  assert.is(request.build?.status, 'SUBMITTED', 'and the build as created');
  assert.ok(request.buildRevision !== undefined && request.buildRevision < queued.revision, 'whose revision the QUEUED mark has made stale');

  assert.is((await fetch(`${farm.url}/jobs/${cancelled.body.id}`, { method: 'DELETE' })).status, 200);
  const cancelRequest = await queueMessage((await buildRecord(cancelled.body.id)).value);
  assert.is(cancelRequest.build?.status, 'SUBMITTED', 'the cancelled build’s message still carries it as created');

  farm.agents[0].start();
  await farm.waitForWorkers(1);
  const done = await waitForJob(farm, kept.body.id, 180_000);
  assert.is(done.builds[0].status, 'DONE', done.builds[0].reason);
  const final = (await buildRecord(kept.body.id)).value;
  assert.is(final.attempt, 1);
  assert.is(final.queuedAt, queued.value.queuedAt, 'the control plane’s QUEUED mark is kept');
  assert.is(final.queueSequence, queued.value.queueSequence);
  assert.is(final.queueRank, queued.value.queueRank);
  assert.ok(final.startedAt && Date.parse(final.startedAt) >= Date.parse(queued.value.queuedAt!), 'started after it was queued');
  assert.is(final.checkStartedAt, final.startedAt, 'one write started the attempt and its check');
  assert.ok(final.check?.command.length, 'the check settings are recorded');

  // Its message came first on the queue: it has been handled by now.
  const stillCancelled = (await buildRecord(cancelled.body.id)).value;
  assert.is(stillCancelled.status, 'CANCELLED');
  assert.is(stillCancelled.attempt, 0, 'never started');
  assert.is(stillCancelled.startedAt, null);
  assert.is(stillCancelled.worker, null);
});

test('an idle agent starts a build from the message: QUEUED or not, the timestamps are in order', async () => {
  const { status, body } = await submit(farm, packTarball(packages.ok('carriedidle')), `platform=${platform}`);
  assert.is(status, 202, JSON.stringify(body));
  const done = await waitForJob(farm, body.id, 180_000);
  assert.is(done.builds[0].status, 'DONE', done.builds[0].reason);
  const build = (await buildRecord(body.id)).value;
  assert.is(build.attempt, 1);
  assert.ok(build.queuedAt && build.startedAt && build.checkStartedAt, 'queued, started and check-started are all recorded');
  assert.ok(Date.parse(build.submittedAt) <= Date.parse(build.queuedAt!), 'queued after submitted');
  assert.ok(Date.parse(build.queuedAt!) <= Date.parse(build.startedAt!), 'started after queued');
  assert.is(build.checkStartedAt, build.startedAt);
});

test.run();
