/** The agent's limits: silence ends a build TIMEOUT with its output kept; too much output stops it; /metrics. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../scripts/free-port.ts';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';

const metricsPort = await freePort();
// Two farms, one limit each: a silence of 10 s (the package sleeps 120 s in its tests; under load the
// steps before them can be quiet for several seconds), and 3000 bytes of output (a check prints more).
const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_SILENCE_SECONDS: '10', FARM_METRICS_PORT: String(metricsPort) } });
const chattyFarm = await startTestFarm({ workers: 1, agentEnv: { FARM_OUTPUT_LIMIT_BYTES: '3000' } });
const silent = await submit(farm, packTarball(packages.slow(120, 'silentpkg')));
const chatty = await submit(chattyFarm, packTarball(packages.ok('chattypkg')));

test.after(async () => {
  await farm.cleanup();
  await chattyFarm.cleanup();
});

test('a build silent for longer than the limit ends TIMEOUT, and its output so far is kept as an artifact', async () => {
  const build = (await waitForJob(farm, silent.body.id, 90_000)).builds[0];
  assert.is(build.status, 'TIMEOUT');
  assert.match(build.reason, /printed nothing for too long/);
  const log = build.artifacts.find((artifact: any) => artifact.name === 'output.log');
  assert.ok(log, JSON.stringify(build.artifacts));
  assert.match(await (await fetch(log.url)).text(), /checking tests/);
});

test('a build printing more than the output limit is stopped and ends with an ERROR saying why', async () => {
  const build = (await waitForJob(chattyFarm, chatty.body.id, 90_000)).builds[0];
  assert.is(build.status, 'DONE');
  assert.is(build.result.status, 'ERROR');
  assert.match(build.result.items[0].text, /output limit/);
  assert.match(await output(chattyFarm, chatty.body.id), /output limit exceeded/);
});

test('the agent serves Prometheus metrics and health on FARM_METRICS_PORT', async () => {
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, /rfarm_agent_builds_total\{outcome="stopped"\} [1-9]/);
  const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
  assert.is(health.status, 200);
});

test.run();
