/**
 * A day of the r-hub proposal's volume on a simulated clock, through the scaler's real decisions
 * with the prod stack's pool limits: every build served, p95 queue waits within the targets, and
 * the host-hours `npm run cost` prices are exactly these.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { USAGE_FILE, simulatedUsage } from '../../scripts/simulate-day.ts';
import { proposalDay, simulateDay, summariseByFamily, type SimulatedPool } from '../../scaler/index.ts';

const usage = simulatedUsage('prod');
const family = (name: string) => usage.families.find((summary) => summary.family === name)!;
const MINUTE = 60;

test('every build of the day is served on every platform', () => {
  for (const summary of usage.families) assert.is(summary.served, summary.builds, `${summary.family}: ${summary.builds - summary.served} build(s) never ran`);
  assert.is(
    usage.families.reduce((sum, summary) => sum + summary.builds, 0),
    1385 + 1050 + 1050 + 12 * 50,
  );
});

test('p95 queue wait is under 5 minutes for Linux and under 15 for Windows and macOS', () => {
  assert.ok(family('linux').p95WaitSeconds < 5 * MINUTE, `linux p95 ${family('linux').p95WaitSeconds} s`);
  assert.ok(family('windows').p95WaitSeconds < 15 * MINUTE, `windows p95 ${family('windows').p95WaitSeconds} s`);
  assert.ok(family('macos').p95WaitSeconds < 15 * MINUTE, `macos p95 ${family('macos').p95WaitSeconds} s`);
});

test('builds on reclaimed Spot hosts come back by redelivery and are served', () => {
  const windows = family('windows');
  assert.ok(windows.reclaimed > 0, 'the day reclaims some Spot hosts');
  assert.ok(windows.redelivered > 0, 'some reclaimed host was running a build');
  assert.is(windows.served, windows.builds);
});

test('pools the scaler sizes scale to zero: no host runs a whole day for the quiet platforms; the Macs, which nothing scales, run all day', () => {
  for (const pool of usage.pools.filter(
    (candidate) => candidate.platform.includes('solaris') || candidate.platform.endsWith('debian-clang') || candidate.platform === 'r-devel-windows-x86_64',
  )) {
    assert.ok(pool.hostHoursPerDay < 24, `${pool.platform} ran ${pool.hostHoursPerDay} h`);
  }
  for (const pool of usage.pools.filter((candidate) => candidate.family === 'macos')) {
    assert.ok(pool.hostHoursPerDay >= 24, `${pool.platform} ran ${pool.hostHoursPerDay} h`);
  }
});

test('a pool whose max is too small for the day misses the target, so the test can fail', () => {
  const arrivals = Array.from({ length: 600 }, (_, i) => 8 * 3600 + i * 20);
  const starved: SimulatedPool = { platform: 'tiny', family: 'linux', limits: { min: 0, max: 1 }, bootSeconds: 240, arrivals, buildSeconds: () => 60 };
  const [summary] = summariseByFamily(
    simulateDay({ pools: [starved], settings: { coolDownMs: 600_000, bootDeadlineMs: 900_000 }, tickSeconds: 15, ackWaitSeconds: 30, seed: 1 }),
  );
  assert.is(summary.served, 600);
  assert.ok(summary.p95WaitSeconds > 5 * MINUTE);
});

test('prod hosts run several agents each, and the one EC2 Mac host is never outgrown', () => {
  const pool = (platform: string) => usage.pools.find((candidate) => candidate.platform === platform)!;
  assert.is(pool('r-release-linux-x86_64').agentsPerHost, 2);
  assert.is(pool('r-release-windows-x86_64').agentsPerHost, 2);
  assert.is(pool('r-release-macos-arm64').agentsPerHost, 4);
  assert.is(pool('r-patched-solaris-x86').agentsPerHost, 1);
  assert.is(pool('r-release-macos-arm64').peakHosts, 1, 'a second dedicated host would be held all month');
});

test('sharing hosts between agents serves the same day in fewer host-hours', () => {
  const windows = (agentsPerHost: number) => {
    const options = proposalDay(() => ({ min: 0, max: 6, agentsPerHost }));
    const pools = options.pools.filter((candidate) => candidate.platform === 'r-release-windows-x86_64');
    return summariseByFamily(simulateDay({ ...options, pools }))[0];
  };
  const [alone, shared] = [windows(1), windows(2)];
  assert.is(shared.served, shared.builds);
  assert.ok(shared.hostHours < 0.75 * alone.hostHours, `two agents per host: ${shared.hostHours} h against ${alone.hostHours} h`);
});

test('infra/cost/elastic-usage.json is what `npm run simulate` writes today', () => {
  assert.fixture(readFileSync(USAGE_FILE, 'utf8'), `${JSON.stringify(usage, null, 2)}\n`, 'run `npm run simulate` and commit infra/cost/elastic-usage.json');
});

test.run();
