/**
 * Uploads and artifacts in two object stores, on a real nats-server: each store's size limit from
 * the environment, and a farm from before the split (one store, `rfarm_objects`, holding both)
 * upgraded in place: its artifacts stay where they are, its uploads move to the uploads store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../../control-plane/config.ts';
import { moveLegacyUploads } from '../../../control-plane/jobs/legacy-uploads.ts';
import { ARTIFACTS_BUCKET, connectFarm, encode, objectNames, UPLOADS_BUCKET } from '../../../protocol/index.ts';
import { startNats } from '../../../scripts/nats-server.ts';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'rfarm-object-stores-'));
const [nats] = await startNats(dir);

test.after(async () => {
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const limitsOf = (env: NodeJS.ProcessEnv) => loadConfig({ ...env, FARM_DATA_DIR: dir }).storeLimits;

test('FARM_OBJECTS_MAX_BYTES limits each object store; FARM_UPLOADS_MAX_BYTES and FARM_ARTIFACTS_MAX_BYTES set one each', async () => {
  assert.equal([limitsOf({}).uploads, limitsOf({}).artifacts], [-1, -1]);
  assert.equal(
    [limitsOf({ FARM_OBJECTS_MAX_BYTES: String(40 * MiB) }).uploads, limitsOf({ FARM_OBJECTS_MAX_BYTES: String(40 * MiB) }).artifacts],
    [40 * MiB, 40 * MiB],
  );
  const limits = limitsOf({ FARM_OBJECTS_MAX_BYTES: String(40 * MiB), FARM_UPLOADS_MAX_BYTES: String(8 * MiB) });
  assert.equal([limits.uploads, limits.artifacts], [8 * MiB, 40 * MiB]);
  assert.throws(() => limitsOf({ FARM_ARTIFACTS_MAX_BYTES: '12' }), /FARM_ARTIFACTS_MAX_BYTES=12 must be -1 \(no limit\) or a whole number of bytes/);
  const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'object-store-limits', storeLimits: limits });
  try {
    assert.is((await farm.jsm.streams.info(`OBJ_${UPLOADS_BUCKET}`)).config.max_bytes, 8 * MiB);
    assert.is((await farm.jsm.streams.info(`OBJ_${ARTIFACTS_BUCKET}`)).config.max_bytes, 40 * MiB);
  } finally {
    await farm.close();
  }
});

test('a farm from before the split keeps its artifacts where they were, and its uploads move to the uploads store once', async () => {
  assert.is(ARTIFACTS_BUCKET, 'rfarm_objects', 'the artifacts store keeps the shared store’s name');
  const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'legacy-uploads' });
  try {
    // What the one shared store held: an upload and its job's artifact, side by side.
    const source = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 13) % 256));
    await farm.artifacts.putBlob({ name: objectNames.upload('old-job') }, source);
    await farm.artifacts.putBlob({ name: objectNames.artifact('old-job', 'r-release-linux-x86_64', '00check.log') }, encode('log'));
    // A move a restart interrupted: copied, not yet deleted from the old place.
    await farm.artifacts.putBlob({ name: objectNames.upload('half-moved') }, Buffer.from('half'));
    await farm.uploads.putBlob({ name: objectNames.upload('half-moved') }, Buffer.from('half'));

    assert.is(await moveLegacyUploads(farm), 2);
    const moved = await farm.uploads.getBlob(objectNames.upload('old-job'));
    assert.ok(moved && Buffer.from(moved).equals(source), 'the moved upload differs');
    assert.is(Buffer.from((await farm.uploads.getBlob(objectNames.upload('half-moved')))!).toString(), 'half');
    const left = (await farm.artifacts.list()).filter((info) => !info.deleted).map((info) => info.name);
    assert.equal(left, [objectNames.artifact('old-job', 'r-release-linux-x86_64', '00check.log')]);
    assert.is(await moveLegacyUploads(farm), 0, 'nothing is moved twice');
  } finally {
    await farm.close();
  }
});

test.run();
