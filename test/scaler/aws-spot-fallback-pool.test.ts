/**
 * A Windows pool as a Spot group with an on-demand fallback, through the official AWS SDK against
 * the loopback Auto Scaling stand-in (auto-scaling-stand-in.ts): both groups listed, new hosts in
 * the Spot group, its shortfall started on demand after the fallback time or at once on a failed
 * Spot launch, and a host removed from whichever group holds it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsSpotFallbackPool, ProviderError } from '../../scaler/index.ts';
import { LOOPBACK_CREDENTIALS as credentials, startAutoScalingStandIn, type StandInGroup } from './auto-scaling-stand-in.ts';

const SPOT = 'rfarm-prod-builder-r-release-windows-x86_64-spot';
const ON_DEMAND = 'rfarm-prod-builder-r-release-windows-x86_64';
const FALLBACK_MS = 120_000;

function groups(spot: Partial<StandInGroup> = {}, onDemand: Partial<StandInGroup> = {}): StandInGroup[] {
  return [
    { name: SPOT, min: 0, max: 6, desired: 1, instances: [{ id: 'i-0spot1', state: 'InService' }], ...spot },
    { name: ON_DEMAND, min: 0, max: 6, desired: 0, instances: [], ...onDemand },
  ];
}

async function setUp(initial: StandInGroup[]) {
  let now = Date.parse('2026-12-02T12:00:00Z');
  const api = await startAutoScalingStandIn(initial, () => new Date(now));
  const pool = new AwsSpotFallbackPool({
    region: 'us-east-1',
    spotGroupName: SPOT,
    onDemandGroupName: ON_DEMAND,
    fallbackMs: FALLBACK_MS,
    endpoint: api.endpoint,
    credentials,
    clock: () => now,
  });
  const spot = api.groups.get(SPOT)!;
  const onDemand = api.groups.get(ON_DEMAND)!;
  return { api, pool, spot, onDemand, advance: (ms: number) => (now += ms) };
}

/** One scaler pass's calls to the provider, growing the pool to `desired` hosts. */
async function pass(pool: AwsSpotFallbackPool, desired: number): Promise<string | null> {
  const settled = await pool.settle();
  const live = (await pool.listHosts()).length;
  if (desired > live) await pool.launch(desired - live, desired);
  return settled;
}

test('hosts are listed from both groups, and new hosts go to the Spot group only', async () => {
  const { api, pool, spot, onDemand } = await setUp(groups({}, { desired: 1, instances: [{ id: 'i-0od1', state: 'InService' }] }));
  try {
    assert.equal(
      (await pool.listHosts()).map((host) => host.id),
      ['i-0spot1', 'i-0od1'],
    );
    await pool.launch(2, 4);
    assert.equal([spot.desired, onDemand.desired], [3, 1], 'the Spot group takes what the pool needs beyond the on-demand hosts');
    assert.is((await pool.listHosts()).length, 4);
    assert.is(await pool.settle(), null, 'nothing to move: the Spot group produced its hosts');
  } finally {
    await api.close();
  }
});

test('a Spot group short past the fallback time has its shortfall started on demand, and its own capacity lowered by as much', async () => {
  const { api, pool, spot, onDemand, advance } = await setUp(groups({ noCapacity: true }));
  try {
    assert.is(await pass(pool, 3), null);
    assert.equal([spot.desired, spot.instances.length], [3, 1], 'asked for 2 more; no Spot capacity came');
    advance(FALLBACK_MS - 15_000);
    assert.is(await pass(pool, 3), null, 'still within the fallback time');
    assert.not.ok(api.actions.includes('SetDesiredCapacity') && onDemand.desired > 0);
    advance(15_000);
    const settled = await pass(pool, 3);
    assert.match(String(settled), /no Spot host came within 120 s: 2 host\(s\) start on demand instead/);
    assert.equal([spot.desired, onDemand.desired], [1, 2], 'the total stays 3: nothing launches twice');
    assert.equal((await pool.listHosts()).map((host) => host.id).sort(), ['i-0100', 'i-0101', 'i-0spot1']);
    const sets = api.actions.filter((action) => action === 'SetDesiredCapacity').length;
    assert.is(await pass(pool, 3), null, 'the next pass finds the pool whole');
    assert.is(api.actions.filter((action) => action === 'SetDesiredCapacity').length, sets, 'and changes nothing');
  } finally {
    await api.close();
  }
});

test('a failed Spot launch in the group’s scaling activities moves the shortfall on the next pass, without waiting', async () => {
  const { api, pool, spot, onDemand, advance } = await setUp(groups({ noCapacity: true, reportFailures: true }));
  try {
    await pass(pool, 2);
    advance(15_000);
    const settled = await pass(pool, 2);
    assert.match(String(settled), /^a Spot launch failed: 1 host\(s\) start on demand/);
    assert.equal([spot.desired, onDemand.desired], [1, 1]);
    assert.ok(api.actions.includes('DescribeScalingActivities'));
  } finally {
    await api.close();
  }
});

test('removing a host terminates it in whichever group holds it, lowering that group’s capacity; growing never lowers the Spot group below its hosts', async () => {
  const { api, pool, spot, onDemand } = await setUp(
    groups(
      {
        desired: 2,
        instances: [
          { id: 'i-0spot1', state: 'InService' },
          { id: 'i-0spot2', state: 'InService' },
        ],
      },
      { desired: 1, instances: [{ id: 'i-0od1', state: 'InService' }] },
    ),
  );
  try {
    await pool.remove(['i-0od1', 'i-0spot2']);
    assert.equal([spot.desired, onDemand.desired], [1, 0]);
    assert.equal(await pool.listHosts(), [{ id: 'i-0spot1', name: 'i-0spot1' }]);
    onDemand.desired = 3; // on-demand hosts asked for, not listed yet
    await pool.listHosts();
    await pool.launch(1, 2);
    assert.is(spot.desired, 1, 'never below what it holds, so AWS never picks a host to stop');
    assert.ok(spot.instances.every((instance) => instance.id !== 'i-0spot1' || instance.state === 'InService'));
  } finally {
    await api.close();
  }
});

test('if the on-demand group refuses the shortfall, it is not started twice: the Spot group was lowered first and the next pass asks again', async () => {
  const { api, pool, spot, onDemand, advance } = await setUp(groups({ noCapacity: true }, { max: 0 }));
  try {
    await pass(pool, 3);
    advance(FALLBACK_MS);
    const error = await pool.settle().then(
      () => null,
      (caught) => caught,
    );
    assert.instance(error, ProviderError);
    assert.match(
      error.message,
      /set desired capacity of rfarm-prod-builder-r-release-windows-x86_64 failed: New SetDesiredCapacity value 2 is above max value 0/,
    );
    assert.equal([spot.desired, onDemand.desired], [1, 0], 'the pool is short for a pass, never over');
    assert.is(await pool.settle(), null, 'nothing left to move');
    await pass(pool, 3);
    assert.is(spot.desired, 3, 'the next pass asks the Spot group again');
  } finally {
    await api.close();
  }
});

test('a pass describes the groups once, unless settling changed them: then the hosts are listed afresh', async () => {
  const { api, pool, advance } = await setUp(groups({ desired: 3, noCapacity: true }));
  try {
    const describes = () => api.actions.filter((action) => action === 'DescribeAutoScalingGroups').length;
    await pass(pool, 3);
    assert.is(describes(), 1, `a pass that moved nothing: ${api.actions.join(', ')}`);
    advance(FALLBACK_MS + 1);
    const before = describes();
    assert.ok(await pass(pool, 3), 'the shortfall moved on demand');
    assert.is(describes() - before, 2, `settling moved hosts, so listing describes again: ${api.actions.join(', ')}`);
  } finally {
    await api.close();
  }
});

test('a missing group is a ProviderError naming it', async () => {
  const api = await startAutoScalingStandIn([groups()[0]]);
  try {
    const pool = new AwsSpotFallbackPool({
      region: 'us-east-1',
      spotGroupName: SPOT,
      onDemandGroupName: ON_DEMAND,
      fallbackMs: 1,
      endpoint: api.endpoint,
      credentials,
    });
    const error = await pool.listHosts().then(
      () => null,
      (caught) => caught,
    );
    assert.instance(error, ProviderError);
    assert.match(error.message, `no such Auto Scaling group ${ON_DEMAND}`);
  } finally {
    await api.close();
  }
});

test.run();
