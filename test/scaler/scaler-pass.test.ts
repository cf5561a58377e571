/**
 * A scaler pass end to end: queue depth and heartbeats read from a real nats-server through the
 * protocol's stream and bucket, decisions applied to the loopback DigitalOcean stand-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, encode, keys, subjects, type WorkerRecord } from '../../protocol/index.ts';
import { agentWorkerId, AwsSpotFallbackPool, DigitalOceanDropletPool, observeFarm, Scaler, type PoolHost } from '../../scaler/index.ts';
import { startNats } from '../../scripts/nats-server.ts';
import { findPlatform } from '../../images/index.ts';
import { LOOPBACK_CREDENTIALS, startAutoScalingStandIn } from './auto-scaling-stand-in.ts';
import { standIn, template, TOKEN } from './digitalocean-stand-in.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-scaler-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'scaler-test', workerTtlMs: 60_000 });
const api = await standIn();

test.after(async () => {
  api.server.close();
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const LINUX = 'r-release-linux-x86_64';
const OTHER = 'r-devel-linux-x86_64-fedora-gcc';

async function heartbeat(id: string, host: string, platform: string, currentBuild: string | null): Promise<void> {
  const now = new Date().toISOString();
  const record: WorkerRecord = {
    id,
    host,
    platform,
    rVersion: '4.5.0',
    distribution: 'debian',
    compiler: 'gcc',
    pid: 1,
    startedAt: now,
    heartbeatAt: now,
    currentBuild,
    platformDetails: findPlatform(platform)!,
  };
  await farm.workers.put(keys.worker(id), encode(record));
}

test('queued builds less busy workers are what waits, per platform', async () => {
  for (const job of ['a', 'b', 'c']) await farm.js.publish(subjects.buildQueue(LINUX), encode({ jobId: job, platform: LINUX }), { msgID: `${job}-${LINUX}` });
  await heartbeat('w1', 'linux-host-1', LINUX, `a/${LINUX}`);
  await heartbeat('w2', 'other-host-1', OTHER, null);
  const loads = await observeFarm(farm);
  assert.is(loads.get(LINUX)!.queued, 2);
  assert.equal(loads.get(LINUX)!.workers, [{ host: 'linux-host-1', id: 'w1', busy: true }]);
  assert.equal(loads.get(OTHER), { queued: 0, workers: [{ host: 'other-host-1', id: 'w2', busy: false }] });
});

test('a pass launches droplets for waiting builds and leaves the busy host alone', async () => {
  const tag = `rfarm-test-${LINUX}`;
  const provider = new DigitalOceanDropletPool({ token: TOKEN, tag, template, baseUrl: api.base });
  // The busy worker's host is a droplet of the pool.
  api.droplets.push({ id: 1, name: 'linux-host-1', status: 'active', tags: [tag] });
  const scaler = new Scaler([{ platform: LINUX, limits: { min: 0, max: 4 }, provider }], { coolDownMs: 300_000, bootDeadlineMs: 900_000 }, () =>
    observeFarm(farm),
  );
  const [result] = await scaler.pass();
  assert.ok('decision' in result, 'error' in result ? result.error.message : '');
  const hosts: PoolHost[] = await provider.listHosts();
  assert.is(hosts.length, 3, 'one busy host plus one per waiting build');
  assert.ok(hosts.some((host) => host.name === 'linux-host-1'));
  const again = await scaler.pass();
  assert.is((await provider.listHosts()).length, 3, 'booting droplets count: a second pass launches nothing');
  assert.ok('decision' in again[0] && again[0].decision.launch === 0);
});

test('with two agents per droplet, a pass counts agents: a droplet with a free agent takes one waiting build, the rest start one droplet per two', async () => {
  const SHARED = 'r-devel-linux-x86_64-debian-clang';
  const tag = `rfarm-test-${SHARED}`;
  const provider = new DigitalOceanDropletPool({
    token: TOKEN,
    tag,
    template: { ...template, tags: ['role:builder', 'stack:test', 'agents:2'] },
    baseUrl: api.base,
  });
  api.droplets.push({ id: 50, name: 'shared-host-1', status: 'active', tags: [tag] });
  for (const job of ['d', 'e', 'f', 'g'])
    await farm.js.publish(subjects.buildQueue(SHARED), encode({ jobId: job, platform: SHARED }), { msgID: `${job}-${SHARED}` });
  // The droplet's two agents, as its rfarm-agent-<n> units name them: one busy, one free.
  await heartbeat(agentWorkerId('shared-host-1', 1), 'shared-host-1', SHARED, `d/${SHARED}`);
  await heartbeat(agentWorkerId('shared-host-1', 2), 'shared-host-1', SHARED, null);
  const scaler = new Scaler(
    [{ platform: SHARED, limits: { min: 0, max: 4 }, provider, settings: { agentsPerHost: 2 } }],
    { coolDownMs: 300_000, bootDeadlineMs: 900_000 },
    () => observeFarm(farm),
  );
  const [result] = await scaler.pass();
  assert.ok('decision' in result, 'error' in result ? result.error.message : '');
  // 3 waiting + 1 running = 4 agents = 2 droplets; one is there.
  assert.is(result.decision.launch, 1);
  const made = api.droplets.filter((droplet) => droplet.tags.includes(tag) && droplet.name !== 'shared-host-1');
  assert.is(made.length, 1);
  assert.ok(made[0].tags.includes('agents:2') && made[0].tags.includes('role:builder'), 'Prometheus finds the new droplet and both its agents by its tags');
});

test('a failing provider is reported for its pool and does not stop the pass', async () => {
  const broken = new DigitalOceanDropletPool({ token: 'wrong', tag: 'rfarm-test-broken', template, baseUrl: api.base });
  const scaler = new Scaler([{ platform: LINUX, limits: { min: 0, max: 4 }, provider: broken }], { coolDownMs: 300_000, bootDeadlineMs: 900_000 }, () =>
    observeFarm(farm),
  );
  const [result] = await scaler.pass();
  assert.ok('error' in result);
  assert.match(result.error.message, /HTTP 401/);
});

test('a Windows pool on Spot: waiting builds ask the Spot group; what it cannot start in time starts on demand, once', async () => {
  const WINDOWS = 'r-release-windows-x86_64';
  let now = Date.parse('2026-12-02T12:00:00Z');
  const aws = await startAutoScalingStandIn(
    [
      { name: 'win-spot', min: 0, max: 6, desired: 0, instances: [], noCapacity: true },
      { name: 'win', min: 0, max: 6, desired: 0, instances: [] },
    ],
    () => new Date(now),
  );
  try {
    for (const job of ['w1', 'w2', 'w3', 'w4'])
      await farm.js.publish(subjects.buildQueue(WINDOWS), encode({ jobId: job, platform: WINDOWS }), { msgID: `${job}-${WINDOWS}` });
    const provider = new AwsSpotFallbackPool({
      region: 'us-east-1',
      spotGroupName: 'win-spot',
      onDemandGroupName: 'win',
      fallbackMs: 120_000,
      endpoint: aws.endpoint,
      credentials: LOOPBACK_CREDENTIALS,
      clock: () => now,
    });
    const scaler = new Scaler(
      [{ platform: WINDOWS, limits: { min: 0, max: 6 }, provider, settings: { agentsPerHost: 2 } }],
      { coolDownMs: 420_000, bootDeadlineMs: 900_000 },
      () => observeFarm(farm),
      () => now,
    );
    const spot = aws.groups.get('win-spot')!;
    const onDemand = aws.groups.get('win')!;
    await scaler.pass();
    assert.equal([spot.desired, onDemand.desired], [2, 0], 'four waiting builds, two agents a host: two hosts asked of Spot');
    now += 60_000;
    await scaler.pass();
    assert.equal([spot.desired, onDemand.desired], [2, 0], 'within the fallback time nothing moves, and nothing more is asked');
    now += 60_000;
    const [result] = await scaler.pass();
    assert.ok('decision' in result && result.settled?.includes('2 host(s) start on demand'), JSON.stringify(result));
    assert.equal([spot.desired, onDemand.desired], [0, 2]);
    assert.is((await provider.listHosts()).length, 2);
    now += 15_000;
    await scaler.pass();
    assert.equal([spot.desired, onDemand.desired], [0, 2], 'the next pass finds the pool whole: two hosts, not four');
  } finally {
    await aws.close();
  }
});

test.run();
