/**
 * An upload written with `namedAfter` (a new job's, sent together with its submission marker)
 * against a real nats-server: its chunks go out at once, but the object exists under its name only
 * once that promise has settled, and never when it failed (the chunks are left to the orphan sweep).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UPLOADS_BUCKET, connectFarm, writeNewObject } from '../../protocol/index.ts';
import { startNats } from '../../scripts/nats-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-named-after-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'named-after-test' });

test.after(async () => {
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const chunkCount = async () => {
  const info = await farm.jsm.streams.info(`OBJ_${UPLOADS_BUCKET}`, { subjects_filter: `$O.${UPLOADS_BUCKET}.C.>` });
  return Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
};

test('the chunks are stored before the promise settles; the name only after', async () => {
  let settle!: () => void;
  const marker = new Promise<void>((resolve) => (settle = resolve));
  const before = await chunkCount();
  const writing = writeNewObject(farm, UPLOADS_BUCKET, 'upload.one', new Uint8Array(1000).fill(7), marker);
  for (let tries = 0; (await chunkCount()) === before && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.is(await chunkCount(), before + 1, 'the chunk went out at once');
  assert.is(await farm.uploads.info('upload.one'), null, 'no object of that name yet');
  settle();
  await writing;
  const data = await farm.uploads.getBlob('upload.one');
  assert.ok(data && Buffer.from(data).equals(Buffer.alloc(1000, 7)), 'the object reads back whole');
});

test('a promise that failed: the write fails with its error and names no object', async () => {
  const failed = Promise.reject(new Error('no marker'));
  const error = await writeNewObject(farm, UPLOADS_BUCKET, 'upload.two', new Uint8Array(10), failed).catch((caught: Error) => caught);
  assert.instance(error, Error);
  assert.is((error as Error).message, 'no marker');
  assert.is(await farm.uploads.info('upload.two'), null);
});

test.run();
