/**
 * Publishing queue messages against a real nats-server: a subject whose messages are taken as they
 * come (an idle agent) is expected empty and costs one publish, with no read; a guess that turns out
 * wrong, or a drained subject, is put right from what the refusal says; another writer's message
 * is read for its rank, so ranks never repeat.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BUILDS_STREAM,
  agentConsumer,
  bindBuildConsumer,
  connectFarm,
  foundLastSequence,
  newBuildRecord,
  publishQueued,
  encode,
} from '../../../protocol/index.ts';
import { BuildQueue } from '../../../control-plane/jobs/build-queue.ts';
import { startNats } from '../../../scripts/nats-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-queue-publish-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'queue-publish-test' });
const other = await connectFarm({ servers: [nats.url], replicas: 1, name: 'queue-publish-other' });

// Counts what the queue sends: publishes (stored or refused) and reads of stored messages.
let publishes = 0;
let reads = 0;
const publish = farm.js.publish.bind(farm.js);
farm.js.publish = ((...args: Parameters<typeof publish>) => {
  publishes++;
  return publish(...args);
}) as typeof publish;
const getMessage = farm.jsm.streams.getMessage.bind(farm.jsm.streams);
farm.jsm.streams.getMessage = ((...args: Parameters<typeof getMessage>) => {
  reads++;
  return getMessage(...args);
}) as typeof getMessage;

test.after(async () => {
  await other.close();
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

let jobs = 0;
const build = (platform: string) => newBuildRecord(`${(++jobs).toString(16).padStart(32, '0')}`, platform, new Date().toISOString());

/** Takes and acks the next message of a platform, as an agent finishing a build does. */
async function take(platform: string): Promise<void> {
  const consumer = await bindBuildConsumer(farm, platform, 30);
  const msg = await consumer.next(2_000);
  assert.ok(msg, `a message waits on ${platform}`);
  msg.ack();
  // The ack is fire-and-forget: wait until the subject has let the message go.
  for (let tries = 0; tries < 100; tries++) {
    const info = await farm.jsm.consumers.info(BUILDS_STREAM, agentConsumer(platform)).catch(() => null);
    if (info?.num_ack_pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('the refusal of a write that expected another last sequence says the one found', async () => {
  const first = await publishQueued(other, 'probe', encode({}), { id: 'probe.1', headers: {}, expectedLastSequence: 0 });
  const refusal = await publishQueued(other, 'probe', encode({}), { id: 'probe.2', headers: {}, expectedLastSequence: 0 }).catch((error: unknown) => error);
  assert.is(foundLastSequence(refusal), first.seq);
  assert.is(foundLastSequence(new Error('wrong last sequence: 3')), null, 'only a JetStream refusal counts');
});

/** What `action` sent: publishes (stored or refused) and reads. */
async function sent(action: () => Promise<unknown>): Promise<{ publishes: number; reads: number }> {
  const before = { publishes, reads };
  await action();
  return { publishes: publishes - before.publishes, reads: reads - before.reads };
}

test('builds taken as they come: each publish after the first is one message, no read, and ranks go on', async () => {
  const queue = new BuildQueue(farm);
  const ranks: number[] = [];
  ranks.push((await queue.publish(build('idle'))).rank);
  for (let index = 0; index < 4; index++) {
    await take('idle');
    const cost = await sent(async () => ranks.push((await queue.publish(build('idle'))).rank));
    assert.equal(cost, { publishes: 1, reads: 0 }, 'expected empty, and it was');
  }
  assert.equal(ranks, [1, 2, 3, 4, 5]);
});

test('a backlog, then drained: each wrong guess costs one refused publish and no read', async () => {
  const queue = new BuildQueue(farm);
  const ranks: number[] = [];
  const publishOne = async () => ranks.push((await queue.publish(build('backlog'))).rank);
  await publishOne(); // the subject was empty: the next is expected empty too
  assert.equal(await sent(publishOne), { publishes: 2, reads: 0 }, 'refused (the first still waits), then put right');
  assert.equal(await sent(publishOne), { publishes: 1, reads: 0 }, 'a backlog: the last one is expected');
  for (let index = 0; index < 3; index++) await take('backlog');
  assert.equal(await sent(publishOne), { publishes: 2, reads: 0 }, 'refused (the subject was drained), then put right');
  await take('backlog');
  assert.equal(await sent(publishOne), { publishes: 1, reads: 0 }, 'expected empty again');
  assert.equal(ranks, [1, 2, 3, 4, 5]);
});

test("another writer's message is read for its rank: ranks never repeat", async () => {
  const mine = new BuildQueue(farm);
  const theirs = new BuildQueue(other);
  const ranks = [(await mine.publish(build('shared'))).rank, (await theirs.publish(build('shared'))).rank];
  const before = reads;
  ranks.push((await mine.publish(build('shared'))).rank);
  assert.ok(reads > before, 'the other writer’s message was read');
  ranks.push((await theirs.publish(build('shared'))).rank);
  assert.equal(ranks, [1, 2, 3, 4]);
});

test.run();
