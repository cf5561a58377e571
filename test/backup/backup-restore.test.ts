/**
 * Backup and restore end to end: a farm's state on a real nats-server (a finished job's records,
 * its console output, an artifact, a published package) snapshotted by JetStream, uploaded with
 * `@aws-sdk/client-s3` to a loopback S3 stand-in, the server stopped and its store wiped, then
 * restored into a fresh nats-server, where the state reads back the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backupFarm, listBackups, pruneBackups, restoreFarm } from '../../backup/farm-backup.ts';
import { S3Archive } from '../../backup/s3-archive.ts';
import { REPOSITORY_BUCKET } from '../../protocol/index.ts';
import { Objm } from '@nats-io/obj';
import {
  connectFarm,
  decode,
  encode,
  keys,
  newBuildRecord,
  objectNames,
  OUTPUT_STREAM,
  subjects,
  WORKERS_KV_STREAM,
  type BuildRecord,
} from '../../protocol/index.ts';
import { startNats } from '../../scripts/nats-server.ts';
import { s3StandIn } from './s3-stand-in.ts';

process.env.AWS_ACCESS_KEY_ID = 'stand-in-key';
process.env.AWS_SECRET_ACCESS_KEY = 'stand-in-secret';
const LINUX = 'r-release-linux-x86_64';
const s3 = await s3StandIn('rfarm-backups');
const archive = new S3Archive({ endpoint: s3.endpoint, region: 'fra1', bucket: 'rfarm-backups', prefix: 'rfarm-test/' });
const artifact = Buffer.from(Array.from({ length: 600_000 }, (_, index) => (index * 31) % 256));

test.after(() => {
  s3.server.close();
});

test('a finished job’s records, output, upload, artifact and the published repository round-trip through S3 into a fresh nats-server', async () => {
  const first = mkdtempSync(join(tmpdir(), 'rfarm-backup-a-'));
  const [nats] = await startNats(first);
  // A failed assertion must not leave the server running (the test would never end).
  const stopFirst = async () => {
    await nats.stop();
    rmSync(first, { recursive: true, force: true });
  };
  const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'backup-test' });
  const finished: BuildRecord = { ...newBuildRecord('job-1', LINUX, new Date().toISOString()), status: 'DONE', finishedAt: new Date().toISOString() };
  try {
    await farm.jobs.put(keys.job('job-1'), encode({ id: 'job-1', package: 'pkg', platforms: [LINUX] }));
    await farm.jobs.put(keys.build('job-1', LINUX), encode(finished));
    await farm.js.publish(subjects.output('job-1', LINUX), encode('* checking package ... OK'));
    await farm.uploads.putBlob({ name: objectNames.upload('job-1') }, Buffer.from('the source'));
    await farm.artifacts.putBlob({ name: objectNames.artifact('job-1', LINUX, 'pkg_1.0.tgz') }, artifact);
    const repository = await new Objm(farm.js).create(REPOSITORY_BUCKET);
    await repository.putBlob({ name: 'src/contrib/PACKAGES' }, Buffer.from('Package: pkg\n'));
    await farm.workers.put(keys.worker('w1'), encode({ id: 'w1' }));

    const manifest = await backupFarm(farm.nc, archive, new Date('2026-12-01T03:00:00Z'));
    assert.equal(await listBackups(archive), ['20261201T030000Z']);
    assert.not.ok(
      manifest.streams.some((stream) => stream.config.name === WORKERS_KV_STREAM),
      'heartbeats are not backed up',
    );
  } finally {
    await farm.close();
    await stopFirst();
  }

  const second = mkdtempSync(join(tmpdir(), 'rfarm-backup-b-'));
  const [fresh] = await startNats(second);
  try {
    // A plain connection: connectFarm would create the stores the restore is about to bring back.
    const bare = await connect({ servers: [fresh.url] });
    await restoreFarm(bare, archive);
    await bare.close();
    const restored = await connectFarm({ servers: [fresh.url], replicas: 1, name: 'backup-restored' });
    const build = await restored.jobs.get(keys.build('job-1', LINUX));
    assert.equal(build && decode<BuildRecord>(build.value), finished);
    assert.ok(await restored.jobs.get(keys.job('job-1')));
    const output = await restored.jsm.streams.getMessage(OUTPUT_STREAM, { last_by_subj: subjects.output('job-1', LINUX) });
    assert.ok(output, 'the output message is restored');
    assert.is(decode<string>(output.data), '* checking package ... OK');
    const bytes = await restored.artifacts.getBlob(objectNames.artifact('job-1', LINUX, 'pkg_1.0.tgz'));
    assert.ok(bytes && Buffer.from(bytes).equals(artifact), 'the artifact differs');
    const source = await restored.uploads.getBlob(objectNames.upload('job-1'));
    assert.is(source && Buffer.from(source).toString(), 'the source', 'the upload (its own store) is restored');
    const packages = await (await new Objm(restored.js).open(REPOSITORY_BUCKET)).getBlob('src/contrib/PACKAGES');
    assert.is(Buffer.from(packages!).toString(), 'Package: pkg\n');
    await restored.close();
  } finally {
    await fresh.stop();
    rmSync(second, { recursive: true, force: true });
  }
});

test('old backups beyond the kept number are deleted, manifest first', async () => {
  await archive.putText('20261130T030000Z/manifest.json', '{}');
  await archive.putText('20261130T030000Z/RFARM_BUILDS.snapshot', 'x');
  await archive.putText('20261129T030000Z/RFARM_BUILDS.snapshot', 'incomplete: no manifest');
  assert.equal(await pruneBackups(archive, 1), ['20261130T030000Z']);
  assert.equal(await listBackups(archive), ['20261201T030000Z']);
  assert.not.ok([...s3.objects.keys()].some((key) => key.includes('20261130')));
});

test('a restore from an empty bucket says what is missing', async () => {
  const empty = new S3Archive({ endpoint: s3.endpoint, region: 'fra1', bucket: 'rfarm-backups', prefix: 'nobody/' });
  const [nats] = await startNats(mkdtempSync(join(tmpdir(), 'rfarm-backup-c-')));
  const bare = await connect({ servers: [nats.url] });
  try {
    await restoreFarm(bare, empty);
    assert.unreachable('restored from nothing');
  } catch (error) {
    assert.match((error as Error).message, /no complete backup/);
  } finally {
    await bare.close();
    await nats.stop();
  }
});

test.run();
