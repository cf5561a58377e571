/**
 * The Object Store hashes with node:crypto (connectFarm selects @nats-io/obj's 'native' SHA-256
 * backend) and still records the standard SHA-256 of what it stores. The digest alone cannot tell
 * the backends apart (both compute SHA-256), so the test counts node:crypto's `createHash('sha256')`
 * calls made while objects are put and read: the native backend makes them, the pure-JS one none.
 */
import crypto, { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSha256Backend, setSha256Backend } from '@nats-io/obj';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm } from '../../protocol/index.ts';
import { startNats } from '../../scripts/nats-server.ts';

// Counts SHA-256 hashers made through node:crypto. Installed before any object is hashed: the
// native backend looks `createHash` up (through `import('node:crypto')`) when it first hashes.
const originalCreateHash = crypto.createHash;
let sha256Hashers = 0;
crypto.createHash = ((algorithm: string, options?: crypto.HashOptions) => {
  if (algorithm === 'sha256') sha256Hashers++;
  return originalCreateHash(algorithm, options);
}) as typeof crypto.createHash;
syncBuiltinESMExports();

const dir = mkdtempSync(join(tmpdir(), 'rfarm-digest-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'digest-test' });

test.after(async () => {
  crypto.createHash = originalCreateHash;
  syncBuiltinESMExports();
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** node:crypto SHA-256 hashers made while `operation` runs. */
async function hashersDuring(operation: () => Promise<unknown>): Promise<number> {
  const before = sha256Hashers;
  await operation();
  return sha256Hashers - before;
}

test('connecting selects the native backend, and puts and gets hash through node:crypto', async () => {
  assert.is(getSha256Backend(), 'native');
  const data = randomBytes(300_000);
  assert.is(await hashersDuring(() => farm.artifacts.putBlob({ name: 'native-put' }, data)), 1, 'one node:crypto hasher per put');
  assert.ok((await hashersDuring(() => farm.artifacts.getBlob('native-put'))) >= 1, 'the get checks the digest with node:crypto');
});

test('the count tells the backends apart: the pure-JS backend makes no node:crypto hasher', async () => {
  setSha256Backend('js');
  try {
    assert.is(await hashersDuring(() => farm.artifacts.putBlob({ name: 'js-put' }, randomBytes(1000))), 0);
  } finally {
    setSha256Backend('native');
  }
  assert.is(await hashersDuring(() => farm.artifacts.putBlob({ name: 'native-again' }, randomBytes(1000))), 1);
});

test('a stored object carries the SHA-256 an independent hash computes, and reads back intact', async () => {
  const data = randomBytes(700_000);
  const info = await farm.artifacts.putBlob({ name: 'digest-check' }, data);
  const expected = originalCreateHash('sha256').update(data).digest('base64url');
  assert.is(info.digest.replace(/^SHA-256=/, '').replace(/=+$/, ''), expected);
  const back = await farm.artifacts.getBlob('digest-check');
  assert.ok(back && Buffer.from(back).equals(data));
});

test.run();
