/**
 * The local farm under supervision: whatever of it dies is said in a JSON log line and started again,
 * and the farm works afterwards. Real processes, killed with SIGKILL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm } from '../support/farm.ts';
import { until } from '../support/until.ts';

type Line = Record<string, unknown>;

function alive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('nats-server, the control plane, sysreqs and an agent each come back after SIGKILL, and each death is logged', async () => {
  const lines: Line[] = [];
  const farm = await startTestFarm({ workers: 1, sysreqsPort: 0, supervise: (line) => lines.push(line) });
  try {
    const victims: { service: string; pid: () => number | null | undefined }[] = [
      { service: 'nats-server', pid: () => farm.nats[0].pid },
      { service: 'control-plane', pid: () => farm.controlPlane.child?.pid },
      { service: 'sysreqs', pid: () => farm.sysreqs?.child?.pid },
      { service: 'local-agent-1', pid: () => farm.agents[0].child?.pid },
    ];
    for (const victim of victims) {
      const before = victim.pid()!;
      process.kill(before, 'SIGKILL');
      const said = await until(`${victim.service}: a log line`, () =>
        lines.find((line) => line.service === victim.service && /restarting/.test(String(line.msg))),
      );
      assert.is(said.level, 50);
      assert.is(said.signal, 'SIGKILL');
      await until(`${victim.service}: running again`, () => victim.pid() !== before && alive(victim.pid()));
      await until(`${victim.service}: "restarted" logged`, () =>
        lines.some((line) => line.service === victim.service && line.msg === `${victim.service} restarted`),
      );
    }
    // The farm as a whole answers again: healthy, with its agent back.
    await until('healthz ok', () =>
      fetch(`${farm.url}/healthz`).then(
        (response) => response.ok,
        () => false,
      ),
    );
    await until('sysreqs healthz', () =>
      fetch(`${farm.sysreqsUrl}/healthz`).then(
        (response) => response.ok,
        () => false,
      ),
    );
    await farm.waitForWorkers(1, 60_000);
    for (const victim of victims) assert.is(farm.supervisor?.restarts.get(victim.service), 1, victim.service);
  } finally {
    await farm.cleanup();
  }
});

test('an agent that leaves on request (exit 0) is not started again', async () => {
  const lines: Line[] = [];
  const farm = await startTestFarm({ workers: 1, supervise: (line) => lines.push(line) });
  try {
    const agent = farm.agents[0];
    const response = await fetch(`${farm.url}/worker/local-agent-1`, { method: 'DELETE', headers: { authorization: `Bearer ${farm.options.adminToken}` } });
    assert.ok(response.ok, await response.text());
    await until('agent gone', () => !agent.alive);
    await until('a log line', () => lines.find((line) => line.service === 'local-agent-1'));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.not.ok(agent.alive);
    assert.is(farm.supervisor?.restarts.get('local-agent-1'), undefined);
  } finally {
    await farm.cleanup();
  }
});

test('an agent that cannot start is reported at once, with its own words, not after the join time out', async () => {
  const farm = await startTestFarm({ workers: 1 });
  try {
    farm.addAgent({ FARM_MAX_ATTEMPTS: 'many' });
    const started = Date.now();
    // The first agent joined; the second exits. The wait for two names it and does not sit out its minute.
    const error = await farm.waitForWorkers(2, 60_000).then(
      () => null,
      (failure: Error) => failure,
    );
    assert.ok(error, 'waitForWorkers(2) resolved with one agent dead');
    assert.match(error.message, /fewer than 2 workers joined/);
    assert.match(error.message, /local-agent-2 \(exited 1\)/);
    assert.match(error.message, /FARM_MAX_ATTEMPTS=many is not a positive whole number/);
    assert.match(error.message, /local-agent-1 \(running\): log: .*agent ready/);
    assert.ok(Date.now() - started < 60_000);
    // So is a control plane that died: no waiting on answers that cannot come.
    await farm.controlPlane.stop('SIGKILL');
    const noControlPlane = await farm.waitForWorkers(1, 60_000).then(
      () => null,
      (failure: Error) => failure,
    );
    assert.match(noControlPlane?.message ?? 'resolved', /the control plane exited/);
  } finally {
    await farm.cleanup();
  }
});

test.run();
