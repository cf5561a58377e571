/** Cancel kills the whole build; a killed agent's build is redelivered; a control-plane restart loses nothing. */
import { execSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobInfo, output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';

// A short ack wait so a dead agent's build comes back within seconds.
const farm = await startTestFarm({ workers: 2, agentEnv: { FARM_ACK_WAIT_SECONDS: '3' } });

test.after(() => farm.cleanup());

function processesMatching(pattern: string): string[] {
  try {
    return execSync(`pgrep -af '${pattern}'`, { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((line) => !line.includes('pgrep'));
  } catch {
    return [];
  }
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const runningTest = async (id: string) => (await output(farm, id)).includes('slow test starting') || (await output(farm, id)).includes('Running ‘slow.R’');

test('cancelling a long-running check ends CANCELLED within 5 s and leaves no R process behind', async () => {
  const { body } = await submit(farm, packTarball(packages.slow(300, 'cancelme')));
  await waitUntil(() => runningTest(body.id), 60_000, 'the slow test to start');
  assert.ok(processesMatching('cancelme').length > 0, 'the check should be running before the cancel');
  const cancelledAt = Date.now();
  const response = await fetch(`${farm.url}/jobs/${body.id}`, { method: 'DELETE' });
  assert.is(response.status, 200);
  await waitUntil(async () => processesMatching('cancelme').length === 0, 5_000, 'the R processes to go away');
  const info = await jobInfo(farm, body.id);
  assert.is(info.builds[0].status, 'CANCELLED');
  assert.ok(Date.now() - cancelledAt < 5_000);
});

test('kill -9 of the agent mid-check: the build is redelivered, starts afresh and ends DONE', async () => {
  const { body } = await submit(farm, packTarball(packages.slow(6, 'crashme')));
  await waitForJob(farm, body.id, 60_000, (build) => build.status === 'RUNNING');
  const info = await jobInfo(farm, body.id);
  const victim = farm.agents.find((agent) => agent.env.FARM_WORKER_ID === info.builds[0].worker.id)!;
  await victim.stop('SIGKILL');
  farm.addAgent();
  const done = await waitForJob(farm, body.id, 120_000);
  assert.is(done.builds[0].status, 'DONE', done.builds[0].reason);
  assert.is(done.builds[0].result.status, 'OK');
  assert.is(done.builds[0].attempt, 2);
  const text = await output(farm, body.id);
  assert.match(text, /attempt 2: the previous attempt was lost/);
  assert.is(text.match(/>>> rfarm: R CMD check\n/g)?.length, 1, 'the output of the lost attempt is not repeated');
});

test("an agent cut off past its ack wait: the queue gives the build to another agent, the first to finish gives the result, and the output shown is that attempt's, whole", async () => {
  // What a NATS cluster electing a leader does to an agent's heartbeats, made certain: SIGSTOP.
  const { body } = await submit(farm, packTarball(packages.slow(8, 'pauseme')));
  await waitUntil(() => runningTest(body.id), 120_000, 'the slow test to start');
  const first = (await jobInfo(farm, body.id)).builds[0];
  assert.is(first.attempt, 1);
  const paused = farm.agents.find((agent) => agent.env.FARM_WORKER_ID === first.worker.id)!;
  const pid = paused.child!.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    await waitUntil(async () => (await jobInfo(farm, body.id)).builds[0].attempt === 2, 30_000, 'the queue to hand the build to the other agent');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  // The paused agent's check went on meanwhile (only the agent was stopped): it finishes first.
  const done = await waitForJob(farm, body.id, 120_000);
  const build = done.builds[0];
  assert.is(build.status, 'DONE', build.reason);
  assert.is(build.result.status, 'OK');
  const shownAtOnce = await output(farm, body.id);
  assert.is(shownAtOnce.match(/^>>> rfarm: R CMD check$/gm)?.length, 1, `the result's own output, whole:\n${shownAtOnce}`);
  assert.match(shownAtOnce, />>> rfarm: DONE/);
  assert.not.match(shownAtOnce, /attempt 2/);
  assert.is(build.attempt, 1, 'the record names the attempt that gave the result');
  assert.is(build.worker.id, first.worker.id);
  // The second attempt stops once it sees the build finished, and changes nothing.
  await waitUntil(async () => processesMatching('pauseme').length === 0, 60_000, 'the second attempt to stop');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await jobInfo(farm, body.id);
  assert.equal(after.builds[0].attempt, 1);
  assert.equal(after.builds[0].result, build.result);
  assert.is(await output(farm, body.id), shownAtOnce);
});

test('restarting the control plane mid-build: the status carries on and nothing is lost', async () => {
  const { body } = await submit(farm, packTarball(packages.slow(5, 'restartme')));
  await waitForJob(farm, body.id, 60_000, (build) => build.status === 'RUNNING');
  await farm.restartControlPlane('SIGKILL');
  const done = await waitForJob(farm, body.id, 120_000);
  assert.is(done.builds[0].status, 'DONE');
  assert.is(done.builds[0].result.status, 'OK');
  assert.match(await output(farm, body.id), /slow test done|Status: OK/);
});

test.run();
