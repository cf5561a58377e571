import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, ScalerConfigError } from '../../scaler/index.ts';

const pools = JSON.stringify([
  { platform: 'r-release-windows-x86_64', min: 0, max: 6, provider: 'aws', groupName: 'rfarm-prod-win', region: 'us-east-1' },
  {
    platform: 'r-release-linux-x86_64',
    min: 0,
    max: 6,
    backlogPerHost: 8,
    provider: 'digitalocean',
    tag: 'rfarm-prod-linux',
    template: { region: 'fra1', size: 's-4vcpu-8gb', image: 'debian-12-x64', userData: '#cloud-config' },
  },
]);

test('a complete environment gives a frozen config with the defaults filled in', () => {
  const config = loadConfig({ SCALER_POOLS: pools, DIGITALOCEAN_TOKEN: 't' });
  assert.is(config.pools.length, 2);
  assert.is(config.intervalSeconds, 15);
  assert.is(config.coolDownSeconds, 300);
  assert.is(config.spotFallbackSeconds, 120);
  assert.equal(config.natsServers, ['nats://127.0.0.1:4222']);
  assert.ok(Object.isFrozen(config));
});

test('every problem is reported at once, each saying what to set', () => {
  const bad = JSON.stringify([
    { platform: 'x', min: 3, max: 1, provider: 'gcp' },
    { platform: 'y', min: 0, max: 1, provider: 'digitalocean', template: {} },
  ]);
  const error = (() => {
    try {
      loadConfig({ SCALER_POOLS: bad, SCALER_INTERVAL_SECONDS: 'soon' });
    } catch (caught) {
      return caught as ScalerConfigError;
    }
  })()!;
  assert.instance(error, ScalerConfigError);
  assert.ok(error.problems.some((problem) => problem.includes('SCALER_INTERVAL_SECONDS')));
  assert.ok(error.problems.some((problem) => problem.includes('SCALER_POOLS[0]: need whole numbers 0 ≤ min ≤ max')));
  assert.ok(error.problems.some((problem) => problem.includes("SCALER_POOLS[0].provider must be 'digitalocean' or 'aws'")));
  assert.ok(error.problems.some((problem) => problem.includes('SCALER_POOLS[1].tag is required')));
  assert.ok(error.problems.some((problem) => problem.includes('DIGITALOCEAN_TOKEN is required')));
});

test('a pool may name its own cool-down, a whole number of seconds', () => {
  const withCoolDown = (coolDownSeconds: unknown) =>
    JSON.stringify([{ platform: 'w', min: 0, max: 1, coolDownSeconds, provider: 'aws', groupName: 'g', region: 'us-east-1' }]);
  assert.is(loadConfig({ SCALER_POOLS: withCoolDown(420) }).pools[0].coolDownSeconds, 420);
  assert.throws(() => loadConfig({ SCALER_POOLS: withCoolDown(-5) }), /SCALER_POOLS\[0\]\.coolDownSeconds must be a whole number ≥ 0/);
});

test('a missing pool list says what to set', () => {
  assert.throws(() => loadConfig({}), /SCALER_POOLS is missing/);
});

test('SCALER_POOLS may come as base64 or gzipped base64, as the stack writes it; a broken payload is a problem, not a crash', () => {
  assert.is(loadConfig({ SCALER_POOLS: `base64:${Buffer.from(pools).toString('base64')}`, DIGITALOCEAN_TOKEN: 't' }).pools.length, 2);
  assert.is(loadConfig({ SCALER_POOLS: `gzip+base64:${gzipSync(pools).toString('base64')}`, DIGITALOCEAN_TOKEN: 't' }).pools.length, 2);
  assert.throws(
    () => loadConfig({ SCALER_POOLS: `gzip+base64:${Buffer.from(pools).toString('base64')}` }),
    (error: Error) => error instanceof ScalerConfigError && error.problems.some((problem) => problem.startsWith('SCALER_POOLS is not JSON')),
  );
});

test('agentsPerHost is read per pool and must be a whole number of at least 1', () => {
  const withAgents = JSON.stringify([{ platform: 'w', min: 0, max: 2, agentsPerHost: 2, provider: 'aws', groupName: 'g', region: 'us-east-1' }]);
  assert.is(loadConfig({ SCALER_POOLS: withAgents }).pools[0].agentsPerHost, 2);
  for (const value of [0, 1.5, '2']) {
    const bad = JSON.stringify([{ platform: 'w', min: 0, max: 2, agentsPerHost: value, provider: 'aws', groupName: 'g', region: 'us-east-1' }]);
    assert.throws(
      () => loadConfig({ SCALER_POOLS: bad }),
      (error: Error) => error instanceof ScalerConfigError && error.problems.some((problem) => problem.includes('SCALER_POOLS[0].agentsPerHost')),
      `agentsPerHost ${JSON.stringify(value)}`,
    );
  }
});

test('an AWS pool may name a Spot group besides its on-demand one, and SCALER_SPOT_FALLBACK_SECONDS how long it may stay short', () => {
  const spot = (spotGroupName: unknown) =>
    JSON.stringify([{ platform: 'w', min: 0, max: 2, provider: 'aws', groupName: 'g', spotGroupName, region: 'us-east-1' }]);
  const config = loadConfig({ SCALER_POOLS: spot('g-spot'), SCALER_SPOT_FALLBACK_SECONDS: '60' });
  assert.equal([(config.pools[0] as { spotGroupName?: string }).spotGroupName, config.spotFallbackSeconds], ['g-spot', 60]);
  for (const value of ['', 'g', 7])
    assert.throws(
      () => loadConfig({ SCALER_POOLS: spot(value) }),
      (error: Error) => error instanceof ScalerConfigError && error.problems.some((problem) => problem.includes('SCALER_POOLS[0].spotGroupName')),
      `spotGroupName ${JSON.stringify(value)}`,
    );
  assert.throws(
    () => loadConfig({ SCALER_POOLS: spot('g-spot'), SCALER_SPOT_FALLBACK_SECONDS: '0' }),
    (error: Error) => error instanceof ScalerConfigError && error.problems.some((problem) => problem.startsWith('SCALER_SPOT_FALLBACK_SECONDS')),
  );
});

test.run();
