/**
 * protocol/nats-errors.ts against the errors a real nats-server and the @nats-io clients produce:
 * each question (transient? not found? wrong last sequence? stream name in use?) answers yes for
 * its own failure and no for the others'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DiscardPolicy } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BUILDS_STREAM,
  connectFarm,
  encode,
  isNotFound,
  isStoreFull,
  isStreamNameInUse,
  isTransientNatsError,
  isWrongLastSequence,
  retryTransient,
} from '../../protocol/index.ts';
import { startNats } from '../../scripts/nats-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-nats-errors-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'nats-errors-test' });

test.after(async () => {
  await farm.close().catch(() => undefined);
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(operation: () => Promise<unknown>): Promise<unknown> {
  try {
    await operation();
  } catch (error) {
    return error;
  }
  throw new Error('the operation succeeded');
}

function classify(error: unknown): Record<string, boolean> {
  return {
    transient: isTransientNatsError(error),
    notFound: isNotFound(error),
    wrongLastSequence: isWrongLastSequence(error),
    nameInUse: isStreamNameInUse(error),
    storeFull: isStoreFull(error),
  };
}

const none = { transient: false, notFound: false, wrongLastSequence: false, nameInUse: false, storeFull: false };

test('a KV update at a stale revision and a create of an existing key are wrong-last-sequence, nothing else', async () => {
  const revision = await farm.jobs.put('errors.a', encode(1));
  await farm.jobs.put('errors.a', encode(2));
  assert.equal(classify(await failure(() => farm.jobs.update('errors.a', encode(3), revision))), { ...none, wrongLastSequence: true });
  assert.equal(classify(await failure(() => farm.jobs.create('errors.a', encode(4)))), { ...none, wrongLastSequence: true });
});

test('a missing stream and a missing consumer are not found, nothing else', async () => {
  assert.equal(classify(await failure(() => farm.jsm.streams.info('NO_SUCH_STREAM'))), { ...none, notFound: true });
  assert.equal(classify(await failure(() => farm.jsm.consumers.info(BUILDS_STREAM, 'no-such-consumer'))), { ...none, notFound: true });
});

test('adding a stream under a taken name with another configuration is name-in-use, nothing else', async () => {
  assert.equal(classify(await failure(() => farm.jsm.streams.add({ name: BUILDS_STREAM, subjects: ['elsewhere.>'] }))), { ...none, nameInUse: true });
});

test('a refused configuration is none of them: not retried', async () => {
  // A work queue needs explicit acks.
  const error = await failure(() => farm.jsm.consumers.add(BUILDS_STREAM, { durable_name: 'no-acks', ack_policy: AckPolicy.None }));
  assert.equal(classify(error), none);
  let attempts = 0;
  await failure(() =>
    retryTransient(() => (attempts++, farm.jsm.consumers.add(BUILDS_STREAM, { durable_name: 'no-acks', ack_policy: AckPolicy.None })), 2_000),
  );
  assert.is(attempts, 1, 'a real error is not retried');
});

test("a write past a stream's size limit (discard new), as an object put, is store-full, nothing else", async () => {
  await farm.jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_bytes: 64 * 1024, discard: DiscardPolicy.New });
  await farm.js.publish('small.a', new Uint8Array(40 * 1024));
  // The server answers it with status 503, which alone would read as transient.
  assert.equal(classify(await failure(() => farm.js.publish('small.b', new Uint8Array(40 * 1024)))), { ...none, storeFull: true });
  const store = await new Objm(farm.js).create('small_objects', { max_bytes: 256 * 1024 });
  const error = await failure(() => store.putBlob({ name: 'big' }, new Uint8Array(1024 * 1024)));
  assert.equal(classify(error), { ...none, storeFull: true }, String(error));
  assert.is(await store.info('big'), null, 'the refused object left no entry');
});

test('no responders and a request timeout are transient', async () => {
  assert.equal(classify(await failure(() => farm.nc.request('rfarm.nobody.listens', encode({}), { timeout: 1_000 }))), { ...none, transient: true });
  const silent = farm.nc.subscribe('rfarm.never.answers');
  assert.equal(classify(await failure(() => farm.nc.request('rfarm.never.answers', encode({}), { timeout: 200 }))), { ...none, transient: true });
  silent.unsubscribe();
});

test('a JetStream request on a closed connection is transient (the caller retries until its deadline)', async () => {
  const other = await connectFarm({ servers: [nats.url], replicas: 1, name: 'nats-errors-closed' });
  await other.close();
  assert.equal(classify(await failure(() => other.jobs.get('errors.a'))), { ...none, transient: true });
});

test.run();
