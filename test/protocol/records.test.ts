/**
 * Read-modify-write of KV records against a real nats-server: `changeRecord` from a record the
 * writer already holds writes in one round trip (no read), and a stale one loses nothing — the
 * revision check refuses it, the record is read again and the change applied to what is there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changeRecord, connectFarm, encode, readRecord, updateRecord } from '../../protocol/index.ts';
import { startNats } from '../../scripts/nats-server.ts';

interface Counter {
  readonly count: number;
  readonly by: readonly string[];
}

const dir = mkdtempSync(join(tmpdir(), 'rfarm-records-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'records-test' });
const kv = farm.jobs;

// Counts the KV reads made (the nats.js client's get): a write from a known record makes none.
let reads = 0;
const get = kv.get.bind(kv);
kv.get = ((...args: Parameters<typeof kv.get>) => {
  reads++;
  return get(...args);
}) as typeof kv.get;

test.after(async () => {
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bump = (who: string) => (current: Counter) => ({ count: current.count + 1, by: [...current.by, who] });

test('from a known record: one write, no read, and the revision it left', async () => {
  const revision = await kv.create('counter.fresh', encode({ count: 0, by: [] } satisfies Counter));
  const before = reads;
  const changed = await changeRecord<Counter>(kv, 'counter.fresh', bump('a'), { value: { count: 0, by: [] }, revision });
  assert.is(reads - before, 0);
  assert.equal(changed?.value, { count: 1, by: ['a'] });
  const stored = await readRecord<Counter>(kv, 'counter.fresh');
  assert.equal(stored, changed);
});

test('a stale known record is refused by the revision check, read again, and the change applied to what is there', async () => {
  const revision = await kv.create('counter.stale', encode({ count: 0, by: [] } satisfies Counter));
  const stale = { value: { count: 0, by: [] as string[] }, revision };
  await updateRecord<Counter>(kv, 'counter.stale', bump('other writer'));
  const changed = await changeRecord<Counter>(kv, 'counter.stale', bump('a'), stale);
  assert.equal(changed?.value, { count: 2, by: ['other writer', 'a'] });
  assert.equal((await readRecord<Counter>(kv, 'counter.stale'))?.value, changed?.value);
});

test('a stale known record with a read sent alongside: the conflict takes that read (no further one) and the change lands on what is there', async () => {
  const revision = await kv.create('counter.alongside', encode({ count: 0, by: [] } satisfies Counter));
  const stale = { value: { count: 0, by: [] as string[] }, revision };
  await updateRecord<Counter>(kv, 'counter.alongside', bump('other writer'));
  const before = reads;
  const reading = readRecord<Counter>(kv, 'counter.alongside');
  const changed = await changeRecord<Counter>(kv, 'counter.alongside', bump('a'), stale, undefined, reading);
  assert.is(reads - before, 1, 'only the read sent alongside');
  assert.equal(changed?.value, { count: 2, by: ['other writer', 'a'] });
  assert.equal(await readRecord<Counter>(kv, 'counter.alongside'), changed);
});

test('a read sent alongside that is itself stale costs one more conflict and a fresh read, nothing else', async () => {
  const revision = await kv.create('counter.stale-read', encode({ count: 0, by: [] } satisfies Counter));
  const stale = { value: { count: 0, by: [] as string[] }, revision };
  const reading = readRecord<Counter>(kv, 'counter.stale-read');
  await reading;
  await updateRecord<Counter>(kv, 'counter.stale-read', bump('other writer'));
  const changed = await changeRecord<Counter>(kv, 'counter.stale-read', bump('a'), stale, undefined, reading);
  assert.equal(changed?.value, { count: 2, by: ['other writer', 'a'] });
});

test('a change that declines leaves the record and returns it as it was', async () => {
  const revision = await kv.create('counter.kept', encode({ count: 5, by: [] } satisfies Counter));
  const known = { value: { count: 5, by: [] }, revision };
  assert.equal(await changeRecord<Counter>(kv, 'counter.kept', () => null, known), known);
  assert.is((await readRecord<Counter>(kv, 'counter.kept'))?.revision, revision);
});

test('without a known record it reads first; a missing record gives null', async () => {
  await kv.create('counter.read', encode({ count: 1, by: [] } satisfies Counter));
  const before = reads;
  assert.equal((await changeRecord<Counter>(kv, 'counter.read', bump('a')))?.value, { count: 2, by: ['a'] });
  assert.is(reads - before, 1);
  assert.is(await changeRecord<Counter>(kv, 'counter.none', bump('a')), null);
});

test.run();
