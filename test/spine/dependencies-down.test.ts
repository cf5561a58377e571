/**
 * The farm with a dependency down, real processes killed: without nats-server a submission gets a
 * quick 503 that says so (not a request hanging for tens of seconds), and /healthz says 503; without
 * the sysreqs service /healthz says degraded, naming it, and a build waits for it within its bound,
 * then fails once with an ERROR saying sysreqs was unavailable.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { output, startTestFarm, submit, waitForJob, jobInfo } from '../support/farm.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';

const WAIT_SECONDS = 12;
const farm = await startTestFarm({ workers: 1, sysreqsPort: 0, agentEnv: { FARM_SYSREQS_WAIT_SECONDS: String(WAIT_SECONDS) } });
test.after(() => farm.cleanup());

const tarball = packTarball({ name: 'downpkg', files: documentedHello });

test('with nats-server down, a submission is answered 503 within seconds, naming NATS; once it is back, submissions are taken', async () => {
  await farm.nats[0].stop('SIGKILL');
  try {
    // The control plane notices the lost connection at once (loopback closes it).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const refused = await submit(farm, tarball);
    const tookMs = Date.now() - started;
    assert.is(refused.status, 503, JSON.stringify(refused.body));
    assert.ok(tookMs < 3_000, `answered in ${tookMs} ms`);
    assert.is(refused.body.error.code, 'service_unavailable');
    assert.match(refused.body.error.message, /NATS, where the farm keeps its jobs, has been unreachable/);
    const health = await fetch(`${farm.url}/healthz`);
    assert.is(health.status, 503);
    assert.match(((await health.json()) as any).error.message, /NATS/);
  } finally {
    await farm.nats[0].start();
  }
  const deadline = Date.now() + 30_000;
  let accepted = await submit(farm, tarball);
  while (accepted.status !== 202 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    accepted = await submit(farm, tarball);
  }
  assert.is(accepted.status, 202, JSON.stringify(accepted.body));
  await waitForJob(farm, accepted.body.id);
});

test('with sysreqs down, /healthz says degraded naming sysreqs, and a build waits its bound, then fails once saying sysreqs was unavailable', async () => {
  await farm.sysreqs!.stop('SIGKILL');
  try {
    const health = await fetch(`${farm.url}/healthz`);
    assert.is(health.status, 200);
    const body = (await health.json()) as any;
    assert.is(body.status, 'degraded');
    assert.match(body.problems.join('\n'), /^sysreqs: the system-requirements service http:\/\/127\.0\.0\.1:\d+ does not answer \(ECONNREFUSED\)/);
    const started = Date.now();
    const job = await submit(farm, tarball);
    assert.is(job.status, 202);
    // Past the old ~10 s of three quick attempts, still waiting.
    await new Promise((resolve) => setTimeout(resolve, (WAIT_SECONDS - 3) * 1000));
    const early = (await jobInfo(farm, job.body.id)).builds[0];
    assert.is(early.status, 'RUNNING', `${early.reason}\n${await output(farm, job.body.id)}`);
    const info = await waitForJob(farm, job.body.id, 60_000);
    assert.ok(Date.now() - started >= WAIT_SECONDS * 1000, 'it waited its bound');
    const build = info.builds[0];
    assert.is(build.status, 'FAILED');
    assert.match(build.reason, /the sysreqs service at http:\/\/127\.0\.0\.1:\d+ was unavailable for 12 s/);
    const text = await output(farm, job.body.id);
    assert.match(text, /waiting up to 12 s for it/);
    assert.match(text, />>> rfarm: ERROR: system requirements: the sysreqs service .* was unavailable/);
    assert.not.match(text, /attempt 2/, 'one attempt, not three');
  } finally {
    farm.sysreqs!.start();
  }
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 300))) {
    const body = (await (await fetch(`${farm.url}/healthz`)).json()) as any;
    if (body.status === 'ok') return;
  }
  assert.unreachable('/healthz did not say ok again once sysreqs was back');
});

test.run();
