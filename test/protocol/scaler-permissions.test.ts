/**
 * The scaler's NATS role (protocol/permissions.ts `scalerPermissions`) against a real nats-server
 * in operator mode: it observes the farm as scaler/farm-observation.ts does, and the server
 * refuses everything else (records, objects, output, queue messages, stream changes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy } from '@nats-io/jetstream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BUILDS_STREAM,
  connectFarm,
  encode,
  JOBS_BUCKET,
  keys,
  UPLOADS_BUCKET,
  ARTIFACTS_BUCKET,
  objectNames,
  scalerPermissions,
  subjects,
  type WorkerRecord,
} from '../../protocol/index.ts';
import { refused } from '../support/nats-refusal.ts';
import { observeFarm } from '../../scaler/index.ts';
import { issueScalerCreds } from '../../scripts/nats-auth.ts';
import { prepareLocalNatsAuth } from '../../scripts/local-nats-auth.ts';
import { startNats } from '../../scripts/nats-server.ts';
import { findPlatform } from '../../images/index.ts';

const LINUX = 'r-release-linux-x86_64';
const dir = mkdtempSync(join(tmpdir(), 'rfarm-scaler-permissions-'));
const auth = await prepareLocalNatsAuth(dir, [LINUX]);
const scalerCreds = join(auth.dir, 'scaler.creds');
writeFileSync(scalerCreds, await issueScalerCreds(JSON.parse(readFileSync(join(auth.dir, 'keys.json'), 'utf8'))), { mode: 0o600 });
const [node] = await startNats(dir, 1, undefined, auth.settings);
const controlPlane = await connectFarm({
  servers: [node.url],
  credsFile: auth.controlPlaneCreds,
  replicas: 1,
  name: 'scaler-permissions-control-plane',
  workerTtlMs: 60_000,
});
const scaler = await connectFarm({ servers: [node.url], credsFile: scalerCreds, replicas: 1, name: 'scaler-permissions-scaler', scaler: true });

for (const job of ['j1', 'j2', 'j3']) {
  await controlPlane.jobs.put(keys.job(job), encode({ id: job }));
  await controlPlane.js.publish(subjects.buildQueue(LINUX), encode({ jobId: job, platform: LINUX }), { msgID: `${job}-${LINUX}` });
}
await controlPlane.uploads.putBlob({ name: objectNames.upload('j1') }, encode('upload'));
const now = new Date().toISOString();
const worker: WorkerRecord = {
  id: 'w1',
  host: 'builder-1',
  platform: LINUX,
  rVersion: '4.5.0',
  distribution: 'debian',
  compiler: 'gcc',
  pid: 1,
  startedAt: now,
  heartbeatAt: now,
  currentBuild: `j1/${LINUX}`,
  platformDetails: findPlatform(LINUX)!,
};
await controlPlane.workers.put(keys.worker('w1'), encode(worker));

test.after(async () => {
  await scaler.close();
  await controlPlane.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the scaler sees each platform’s waiting builds and live workers with its own role only', async () => {
  const loads = await observeFarm(scaler);
  assert.equal(loads.get(LINUX), { queued: 2, workers: [{ host: 'builder-1', id: 'w1', busy: true }] });
  await controlPlane.workers.delete(keys.worker('w1'));
  assert.equal((await observeFarm(scaler)).get(LINUX)?.workers, [], 'a deleted heartbeat is no worker');
  await controlPlane.workers.put(keys.worker('w1'), encode(worker));
});

test('the scaler cannot read jobs, uploads or queue messages', async () => {
  await refused(() => scaler.jobs.get(keys.job('j1')));
  await refused(() => scaler.uploads.getBlob(objectNames.upload('j1')));
  await refused(() => scaler.jsm.streams.getMessage(BUILDS_STREAM, { seq: 1 }));
  await refused(() => scaler.jsm.streams.info(`KV_${JOBS_BUCKET}`, { subjects_filter: '>' }));
  await refused(() =>
    scaler.jsm.consumers.add(BUILDS_STREAM, { durable_name: 'thief', ack_policy: AckPolicy.Explicit, filter_subject: subjects.buildQueue(LINUX) }),
  );
  await refused(() => scaler.jsm.streams.info(`OBJ_${UPLOADS_BUCKET}`));
  await refused(() => scaler.jsm.streams.info(`OBJ_${ARTIFACTS_BUCKET}`));
});

test('the scaler cannot write records, heartbeats, queue messages or output, nor change streams', async () => {
  await refused(() => scaler.js.publish(subjects.buildQueue(LINUX), encode({ jobId: 'forged', platform: LINUX })));
  await refused(() => scaler.js.publish(`$KV.${JOBS_BUCKET}.${keys.build('j1', LINUX)}`, encode({ status: 'DONE' })));
  await refused(() => scaler.workers.put(keys.worker('w9'), encode({})));
  await refused(() => scaler.js.publish(subjects.output('j1', LINUX), encode('forged')));
  await refused(() => scaler.jsm.streams.purge(BUILDS_STREAM));
  await refused(() => scaler.jsm.streams.delete(BUILDS_STREAM));
  assert.is((await controlPlane.jsm.streams.info(BUILDS_STREAM)).state.messages, 3, 'the queue is untouched');
});

test('the scaler’s role names no wildcard beyond its own inbox and worker keys', () => {
  const { publish, subscribe } = scalerPermissions();
  assert.ok(publish.allow.every((subject) => !subject.endsWith('>')));
  assert.equal(subscribe.allow, ['_INBOX_scaler.>']);
});

test.run();
