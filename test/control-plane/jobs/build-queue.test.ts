/** Queue positions of waiting builds are exact on deep queues, per platform, and as the queue is taken. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS_STREAM, agentConsumer, bindBuildConsumer, connectFarm } from '../../../protocol/index.ts';
import { jobInfo, startTestFarm, submit } from '../../support/farm.ts';
import { packTarball, packages } from '../../support/r-packages.ts';

// No agent: every build waits. The test takes queue messages itself, as an agent's consumer would.
const farm = await startTestFarm({ workers: 0 });
const nats = await connectFarm({ servers: farm.natsUrl.split(','), credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'build-queue-test' });
const [first, second] = ((await (await fetch(`${farm.url}/platforms`)).json()) as { id: string }[]).map((platform) => platform.id);
const tarball = packTarball(packages.ok('queuedpkg'));

test.after(async () => {
  await nats.close();
  await farm.cleanup();
});

/** Submits `count` builds to `platform`, `parallel` at a time; returns their job ids in queue order. */
async function queueBuilds(platform: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const answer = await submit(farm, tarball, `platform=${platform}`);
    assert.is(answer.status, 202, JSON.stringify(answer.body));
    ids.push(answer.body.id);
  }
  return ids;
}

async function position(id: string): Promise<number> {
  const build = (await jobInfo(farm, id)).builds[0];
  assert.is(build.status, 'QUEUED');
  return build.queue.position;
}

/** Takes and acknowledges the next `count` queue messages of a platform, as an agent finishing builds does. */
async function takeFromQueue(platform: string, count: number): Promise<void> {
  await bindBuildConsumer(nats, platform, 30);
  const consumer = await nats.js.consumers.get(BUILDS_STREAM, agentConsumer(platform));
  let taken = 0;
  while (taken < count) {
    const messages = await consumer.fetch({ max_messages: count - taken, expires: 2_000 });
    for await (const message of messages) {
      await message.ackAck();
      taken++;
    }
  }
}

test('several waiting builds on two platforms each know how many of their own platform are ahead', async () => {
  const onFirst: string[] = [];
  const onSecond: string[] = [];
  for (let round = 0; round < 4; round++) {
    onFirst.push(...(await queueBuilds(first, 1)));
    onSecond.push(...(await queueBuilds(second, 2)));
  }
  assert.equal(await Promise.all(onFirst.map(position)), [0, 1, 2, 3]);
  assert.equal(await Promise.all(onSecond.map(position)), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('the position stays exact far down a deep queue, and falls as builds ahead are taken', async () => {
  // 4 already wait on the first platform; 530 more, with the second platform's messages in between.
  const deep: string[] = [];
  for (let round = 0; round < 53; round++) {
    deep.push(...(await queueBuilds(first, 10)));
    await queueBuilds(second, 1);
  }
  assert.is(await position(deep[deep.length - 1]), 533);
  assert.is(await position(deep[300]), 304);
  await takeFromQueue(first, 100);
  assert.is(await position(deep[deep.length - 1]), 433);
  assert.is(await position(deep[300]), 204);
});

test('once a platform queue has emptied, new builds there count from 0 again', async () => {
  await takeFromQueue(first, 434);
  const fresh = await queueBuilds(first, 3);
  assert.equal(await Promise.all(fresh.map(position)), [0, 1, 2]);
});

test.run();
