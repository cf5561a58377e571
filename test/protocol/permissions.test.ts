/**
 * The farm's NATS permissions (protocol/permissions.ts) against a real nats-server in operator
 * mode: each role can do its work, and what an agent must not do is refused by the server.
 * What permissions cannot refuse is listed in AGENT_LIMITS_NOT_ENFORCED and checked here as
 * allowed, so the list stays honest.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, credsAuthenticator, Empty, type NatsConnection } from '@nats-io/transport-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  agentConsumer,
  agentPermissions,
  ARTIFACTS_BUCKET,
  BUILDS_STREAM,
  connectFarm,
  encode,
  JOBS_BUCKET,
  keys,
  objectNames,
  openControlPlaneKv,
  openControlPlaneObjects,
  REPOSITORY_BUCKET,
  subjects,
  UPLOADS_BUCKET,
  type FarmConnection,
} from '../../protocol/index.ts';
import { refused } from '../support/nats-refusal.ts';
import { readFileSync } from 'node:fs';
import { objectMetaSubject } from '../../protocol/object-access.ts';
import { issueAgentCreds, newNatsKeys } from '../../scripts/nats-auth.ts';
import { prepareLocalNatsAuth } from '../../scripts/local-nats-auth.ts';
import { startNats } from '../../scripts/nats-server.ts';

const MINE = 'r-release-linux-x86_64';
const OTHER = 'r-devel-linux-x86_64-debian-gcc';
const dir = mkdtempSync(join(tmpdir(), 'rfarm-permissions-'));
const auth = await prepareLocalNatsAuth(dir, [MINE, OTHER]);
const [node] = await startNats(dir, 1, undefined, auth.settings);
const controlPlane = await connectFarm({ servers: [node.url], credsFile: auth.controlPlaneCreds, replicas: 1, name: 'permissions-control-plane' });
const agent = await connectFarm({ servers: [node.url], credsFile: auth.agentCreds(MINE), replicas: 1, name: 'permissions-agent', agentPlatform: MINE });

// The control plane's side of a job on both platforms, with a 3 MB upload (many chunks: more than
// one flow-control window of a push consumer).
const upload = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, index) => (index * 7919) % 251);
for (const platform of [MINE, OTHER]) {
  await controlPlane.jsm.consumers.add(BUILDS_STREAM, {
    durable_name: agentConsumer(platform),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjects.buildQueue(platform),
  });
}
async function submitJob(id: string): Promise<void> {
  await controlPlane.uploads.putBlob({ name: objectNames.upload(id) }, upload);
  await controlPlane.jobs.put(keys.job(id), encode({ id }));
  for (const platform of [MINE, OTHER]) {
    await controlPlane.jobs.put(keys.build(id, platform), encode({ jobId: id, platform, status: 'QUEUED' }));
    await controlPlane.js.publish(subjects.buildQueue(platform), encode({ jobId: id, platform }));
  }
}
await submitJob('job-mine');

test.after(async () => {
  await agent.close();
  await controlPlane.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function rawConnect(options: Parameters<typeof connect>[0]): Promise<NatsConnection> {
  return connect({ servers: [node.url], reconnect: false, ...options });
}

test('a platform id that would widen an agent’s subjects (dots, wildcards) is refused before any credentials are made', () => {
  for (const id of ['a.b', '>', '*', 'x.>', 'X', '']) assert.throws(() => agentPermissions(id), /not a platform id/);
});

test('no subject an agent may use names another platform’s queue, consumer, records or output', () => {
  const { publish, subscribe } = agentPermissions(MINE);
  for (const subject of [...publish.allow, ...subscribe.allow]) {
    assert.not.ok(subject.includes(OTHER), subject);
    assert.is.not(subject, '>');
  }
  assert.not.ok(
    publish.allow.some((subject) => subject.endsWith('.>') && !subject.startsWith('$JS.ACK.')),
    'only its own acks take a trailing wildcard',
  );
});

test('the credentials are files only their owner can read, in a directory only its owner can enter', () => {
  assert.is(statSync(auth.dir).mode & 0o777, 0o700);
  for (const file of [auth.controlPlaneCreds, auth.agentCreds(MINE), join(auth.dir, 'keys.json'), join(dir, 'nats.conf')]) {
    assert.is(statSync(file).mode & 0o777, 0o600, file);
  }
  assert.is(statSync(join(dir, 'nats')).mode & 0o777, 0o700);
});

test('a client without credentials is refused', async () => {
  await refused(() => rawConnect({}));
});

test('credentials signed by another operator are refused', async () => {
  const stranger = await issueAgentCreds(newNatsKeys(), MINE);
  await refused(() => rawConnect({ authenticator: credsAuthenticator(new TextEncoder().encode(stranger)) }));
});

test('an agent takes, extends and acks its own platform’s build, reads its records and its 3 MB upload, writes artifacts, output and heartbeats', async () => {
  await agent.jsm.consumers.add(BUILDS_STREAM, {
    durable_name: agentConsumer(MINE),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjects.buildQueue(MINE),
  });
  const consumer = await agent.js.consumers.get(BUILDS_STREAM, agentConsumer(MINE));
  const message = await consumer.next({ expires: 5_000 });
  assert.ok(message, 'no build was delivered');
  message.working();
  assert.ok(await agent.jobs.get(keys.job('job-mine')));
  const build = await agent.jobs.get(keys.build('job-mine', MINE));
  await agent.jobs.update(keys.build('job-mine', MINE), encode({ status: 'RUNNING' }), build!.revision);
  await agent.jobs.put(keys.platformStats(MINE), encode({ durationsSeconds: [1] }));
  const started = Date.now();
  const read = await agent.uploads.getBlob(objectNames.upload('job-mine'));
  assert.equal(read && Buffer.from(read).equals(Buffer.from(upload)), true, 'the upload read back differs');
  assert.ok(Date.now() - started < 10_000, `reading 3 MB took ${Date.now() - started} ms`);
  await agent.artifacts.putBlob({ name: objectNames.artifact('job-mine', MINE, '00check.log') }, upload);
  assert.is((await controlPlane.artifacts.getBlob(objectNames.artifact('job-mine', MINE, '00check.log')))?.length, upload.length);
  await agent.js.publish(subjects.output('job-mine', MINE), encode('hello'));
  await agent.workers.put(keys.worker('w-1'), encode({ id: 'w-1' }));
  await agent.workers.delete(keys.worker('w-1'));
  assert.ok(await message.ackAck());
});

test('an agent hears cancels of its own platform’s builds and no others', async () => {
  const heard: string[] = [];
  const subscription = agent.nc.subscribe(subjects.platformCancels(MINE), {
    callback: (error, message) => void heard.push(error ? `error: ${error.message}` : message.subject),
  });
  await agent.nc.flush();
  controlPlane.nc.publish(subjects.cancel('job-mine', OTHER));
  controlPlane.nc.publish(subjects.cancel('job-mine', MINE));
  await controlPlane.nc.flush();
  const deadline = Date.now() + 5_000;
  while (heard.length === 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  await new Promise((done) => setTimeout(done, 200));
  subscription.unsubscribe();
  assert.equal(heard, [subjects.cancel('job-mine', MINE)]);
  assert.is(heard[0].split('.')[2], 'job-mine', 'the agent reads the job id from the third token');
});

test('an agent cannot create, read or pull another platform’s queue consumer', async () => {
  await refused(() =>
    agent.jsm.consumers.add(BUILDS_STREAM, { durable_name: agentConsumer(OTHER), ack_policy: AckPolicy.Explicit, filter_subject: subjects.buildQueue(OTHER) }),
  );
  await refused(() =>
    agent.jsm.consumers.add(BUILDS_STREAM, { durable_name: agentConsumer(MINE), ack_policy: AckPolicy.Explicit, filter_subject: subjects.buildQueue(OTHER) }),
  );
  await refused(() => agent.js.consumers.get(BUILDS_STREAM, agentConsumer(OTHER)));
  await refused(() => agent.nc.request(`$JS.API.CONSUMER.MSG.NEXT.${BUILDS_STREAM}.${agentConsumer(OTHER)}`, encode({ batch: 1, expires: 1e9 })));
  assert.is((await controlPlane.jsm.consumers.info(BUILDS_STREAM, agentConsumer(OTHER))).num_pending, 1, 'the other platform’s build is still waiting');
});

test('an agent cannot delete, purge or change the RFARM_BUILDS stream, nor delete consumers', async () => {
  await refused(() => agent.jsm.streams.delete(BUILDS_STREAM));
  await refused(() => agent.jsm.streams.purge(BUILDS_STREAM));
  await refused(() => agent.jsm.streams.update(BUILDS_STREAM, { subjects: ['anything.>'] }));
  await refused(() => agent.jsm.consumers.delete(BUILDS_STREAM, agentConsumer(MINE)));
  assert.is((await controlPlane.jsm.streams.info(BUILDS_STREAM)).config.name, BUILDS_STREAM);
});

test('an agent cannot write the repository store', async () => {
  await openControlPlaneObjects(controlPlane, REPOSITORY_BUCKET, 1);
  await openControlPlaneKv(controlPlane, REPOSITORY_BUCKET, 1);
  await refused(() => agent.js.publish(`$O.${REPOSITORY_BUCKET}.M.${Buffer.from('PACKAGES').toString('base64')}`, encode({})));
  await refused(() => agent.js.publish(`$KV.${REPOSITORY_BUCKET}.pointer`, encode({})));
  await refused(() => new Objm(agent.js).open(REPOSITORY_BUCKET, false).then((store) => store.putBlob({ name: 'src/contrib/PACKAGES' }, encode('x'))));
});

test('an agent cannot rewrite job records or another platform’s build records', async () => {
  await refused(() => agent.js.publish(`$KV.${JOBS_BUCKET}.${keys.job('job-mine')}`, encode({ forged: true })));
  await refused(() => agent.js.publish(`$KV.${JOBS_BUCKET}.${keys.build('job-mine', OTHER)}`, encode({ status: 'DONE' })));
  await refused(() => agent.jobs.get(keys.build('job-mine', OTHER)));
  await refused(() => agent.js.publish(subjects.output('job-mine', OTHER), encode('forged output')));
});

test('an agent cannot list jobs or objects, nor read them by sequence: it learns job ids only from its own queue', async () => {
  await refused(() =>
    agent.jobs.keys().then(async (names) => {
      for await (const _ of names) break;
    }),
  );
  await refused(() => agent.jsm.streams.info(`KV_${JOBS_BUCKET}`, { subjects_filter: '>' }));
  await refused(() => agent.jsm.streams.getMessage(`KV_${JOBS_BUCKET}`, { seq: 1 }));
  for (const bucket of [UPLOADS_BUCKET, ARTIFACTS_BUCKET]) {
    await refused(() => agent.jsm.streams.getMessage(`OBJ_${bucket}`, { seq: 1 }));
    await refused(() => agent.jsm.streams.info(`OBJ_${bucket}`, { subjects_filter: '>' }));
    await refused(() => agent.nc.request(`$JS.API.DIRECT.GET.OBJ_${bucket}`, encode({ seq: 1 })));
    await refused(() => agent.jsm.consumers.add(`OBJ_${bucket}`, { name: 'lister', filter_subject: `$O.${bucket}.M.>`, ack_policy: AckPolicy.None }));
  }
  await refused(() => agent.uploads.list());
  await refused(() => agent.artifacts.list());
  await refused(() => agent.jsm.streams.list().next());
});

test('what permissions cannot refuse (AGENT_LIMITS_NOT_ENFORCED): an agent that knows a job id reads that job’s upload and overwrites its artifacts', async () => {
  await submitJob('job-other');
  const read = await agent.uploads.getBlob(objectNames.upload('job-other'));
  assert.is(read?.length, upload.length);
  await agent.artifacts.putBlob({ name: objectNames.artifact('job-other', MINE, '00check.log') }, encode('rewritten'));
});

test('an agent cannot write or delete an upload, its own job’s or another’s: the uploads store is read-only to it', async () => {
  await submitJob('job-upload');
  const name = objectNames.upload('job-upload');
  await refused(() => agent.uploads.putBlob({ name }, encode('forged source')));
  await refused(() => agent.uploads.delete(name));
  await refused(() => agent.uploads.putBlob({ name: objectNames.upload('job-new') }, encode('planted source')));
  // The raw subjects too, whatever a client library does first.
  await refused(() => agent.js.publish(objectMetaSubject(UPLOADS_BUCKET, name), encode(JSON.stringify({ name, deleted: true }))));
  await refused(() => agent.js.publish(`$O.${UPLOADS_BUCKET}.C.forged`, encode('chunk')));
  await refused(() => agent.jsm.streams.purge(`OBJ_${UPLOADS_BUCKET}`));
  const kept = await controlPlane.uploads.getBlob(name);
  assert.ok(kept && Buffer.from(kept).equals(Buffer.from(upload)), 'the upload changed');
  assert.is(await controlPlane.uploads.info(objectNames.upload('job-new')), null, 'an upload was planted');
  assert.equal(
    agentPermissions(MINE).publish.allow.filter((subject) => subject.startsWith(`$O.${UPLOADS_BUCKET}.`)),
    [],
  );
});

test('an agent cannot read artifacts, its own platform’s or another’s: the artifacts store is write-only to it', async () => {
  const name = objectNames.artifact('job-mine', OTHER, 'pkg_1.0.tar.gz');
  await controlPlane.artifacts.putBlob({ name }, encode('another platform’s binary'));
  await refused(() => agent.jsm.direct.getMessage(`OBJ_${ARTIFACTS_BUCKET}`, { last_by_subj: objectMetaSubject(ARTIFACTS_BUCKET, name) }));
  await refused(() =>
    agent.jsm.consumers.add(`OBJ_${ARTIFACTS_BUCKET}`, { name: 'reader', filter_subject: `$O.${ARTIFACTS_BUCKET}.C.*`, ack_policy: AckPolicy.None }),
  );
  await refused(() => new Objm(agent.js).open(ARTIFACTS_BUCKET, false).then((store) => store.getBlob(name)));
});

test('an agent cannot stop workers, cancel jobs, hear other platforms’ cancels or read other clients’ replies', async () => {
  const heard: string[] = [];
  const listener = controlPlane.nc.subscribe('rfarm.>', { callback: (_error, message) => void heard.push(message.subject) });
  await refused(() => agent.nc.request(subjects.workerStop('local-agent-7'), Empty, { timeout: 1_000 }));
  await refused(() => agent.nc.request(subjects.cancel('job-mine', MINE), Empty, { timeout: 1_000 }));
  agent.nc.publish(subjects.workerStop('local-agent-7'));
  await agent.nc.flush();
  await controlPlane.nc.flush();
  assert.equal(heard, []);
  listener.unsubscribe();
  for (const subject of ['_INBOX.>', subjects.platformCancels(OTHER), 'rfarm.cancel.>']) {
    const error = await new Promise<Error | null>((resolve) => {
      agent.nc.subscribe(subject, { callback: (subscribeError) => resolve(subscribeError) });
      setTimeout(() => resolve(null), 3_000);
    });
    assert.match(String(error?.message), /permissions violation/i, `the agent could subscribe to ${subject}`);
  }
});

test('the control plane manages every store (streams, consumers, records, objects)', async () => {
  const farm: FarmConnection = controlPlane;
  await farm.jobs.put(keys.job('job-control'), encode({ id: 'job-control' }));
  const names: string[] = [];
  for await (const name of await farm.jobs.keys()) names.push(name);
  assert.ok(names.includes(keys.job('job-mine')));
  assert.ok((await farm.uploads.list()).length > 0);
  assert.ok((await farm.artifacts.list()).length > 0);
  await farm.jsm.streams.purge(BUILDS_STREAM, { filter: subjects.buildQueue(OTHER) });
  assert.ok(readFileSync(auth.controlPlaneCreds, 'utf8').includes('NATS USER JWT'));
});

test.run();
