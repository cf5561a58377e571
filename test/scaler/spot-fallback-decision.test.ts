/** The pure Spot-fallback decision: when a Spot group's shortfall moves to the on-demand group, and by how much. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decideSpotFallback, isFailedSpotLaunch, NO_SHORTFALL } from '../../scaler/index.ts';

const T0 = Date.parse('2026-12-02T12:00:00Z');
const FALLBACK = 120_000;

test('a Spot group holding what it was asked for moves nothing and forgets any shortfall', () => {
  const decision = decideSpotFallback({ desired: 3, instances: 3 }, { desired: 1, instances: 1 }, [], { shortSince: T0 - 600_000 }, T0, FALLBACK);
  assert.equal([decision.moveToOnDemand, decision.spotDesired, decision.onDemandDesired], [0, 3, 1]);
  assert.equal(decision.memory, NO_SHORTFALL);
});

test('a short Spot group waits out the fallback time, counted from when the shortfall began, then moves exactly the shortfall', () => {
  const first = decideSpotFallback({ desired: 3, instances: 1 }, { desired: 0, instances: 0 }, [], NO_SHORTFALL, T0, FALLBACK);
  assert.is(first.moveToOnDemand, 0);
  assert.equal(first.memory, { shortSince: T0 });
  const before = decideSpotFallback({ desired: 3, instances: 1 }, { desired: 0, instances: 0 }, [], first.memory, T0 + FALLBACK - 1, FALLBACK);
  assert.is(before.moveToOnDemand, 0, 'one millisecond early is still waiting');
  const after = decideSpotFallback({ desired: 3, instances: 1 }, { desired: 1, instances: 1 }, [], before.memory, T0 + FALLBACK, FALLBACK);
  assert.equal([after.moveToOnDemand, after.spotDesired, after.onDemandDesired], [2, 1, 3], 'the pool’s total (4) is unchanged');
  assert.equal(after.memory, NO_SHORTFALL);
  assert.match(after.reason, /no Spot host came within 120 s: 2 host\(s\) start on demand/);
});

test('a failed Spot launch since the shortfall began moves it at once; an older failure does not', () => {
  const memory = { shortSince: T0 };
  const old = decideSpotFallback({ desired: 2, instances: 0 }, { desired: 0, instances: 0 }, [T0 - 1_000], memory, T0 + 10_000, FALLBACK);
  assert.is(old.moveToOnDemand, 0, 'a failure before this shortfall says nothing about it');
  const fresh = decideSpotFallback({ desired: 2, instances: 0 }, { desired: 0, instances: 0 }, [T0 - 1_000, T0 + 5_000], memory, T0 + 10_000, FALLBACK);
  assert.equal([fresh.moveToOnDemand, fresh.spotDesired, fresh.onDemandDesired], [2, 0, 2]);
  assert.match(fresh.reason, /^a Spot launch failed/);
});

test('a failed activity is a failed Spot launch only when it failed and names Spot', () => {
  const message = 'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request.';
  assert.ok(isFailedSpotLaunch({ statusCode: 'Failed', statusMessage: message }));
  assert.not.ok(isFailedSpotLaunch({ statusCode: 'Successful', statusMessage: message }));
  assert.not.ok(isFailedSpotLaunch({ statusCode: 'Failed', statusMessage: 'The security group does not exist' }));
  assert.not.ok(isFailedSpotLaunch({ statusCode: 'WaitingForSpotInstanceId', description: 'Launching a new EC2 instance' }));
});

test.run();
