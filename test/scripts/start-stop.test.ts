/**
 * `npm start` stops as a whole when its leader alone is told to (SIGINT to the npm process, not to
 * the process group), or when the leader is gone; and no agent outlives it, not even one the control
 * plane started (`PUT /worker`) before the control plane died and was restarted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from '../support/until.ts';
import { freePort } from '../../scripts/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The processes of a process group, as `pid args` lines. */
function group(pgid: number): { pid: number; args: string }[] {
  const run = spawnSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' });
  return run.stdout
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(.*)$/))
    .filter((match): match is RegExpMatchArray => match !== null && !/<defunct>/.test(match[2]))
    .map((match) => ({ pid: Number(match[1]), args: match[2] }));
}

interface StartedFarm {
  readonly npm: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  stdout: string;
}

async function npmStart(): Promise<StartedFarm> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-start-stop-'));
  const [port, natsPort, sysreqsPort] = [await freePort(), await freePort(), await freePort()];
  // Its own process group, as a terminal would give it: the test then signals the leader alone.
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      FARM_DATA_DIR: dataDir,
      PORT: String(port),
      NATS_PORT: String(natsPort),
      SYSREQS_PORT: String(sysreqsPort),
      FARM_WORKERS: '1',
    },
  });
  const farm: StartedFarm = { npm, url: `http://127.0.0.1:${port}`, token: '', dataDir, stdout: '' };
  npm.stdout!.on('data', (chunk) => (farm.stdout += chunk));
  npm.stderr!.on('data', (chunk) => (farm.stdout += chunk));
  await until('npm start says the farm runs', () => farm.stdout.includes('Ctrl-C stops everything') || npm.exitCode !== null, 120_000);
  assert.match(farm.stdout, /rfarm is running/);
  // The banner names the three port variables, so a second farm beside the first is one line away.
  assert.match(farm.stdout, new RegExp(`ports +PORT=${port}, NATS_PORT=${natsPort}, SYSREQS_PORT=${sysreqsPort}\n`));
  return {
    ...farm,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    get stdout() {
      return farm.stdout;
    },
  };
}

async function cleanup(farm: StartedFarm): Promise<void> {
  try {
    process.kill(-farm.npm.pid!, 'SIGKILL');
  } catch {
    // already gone: what the test wants
  }
  rmSync(farm.dataDir, { recursive: true, force: true });
}

test('SIGINT to the npm start leader alone stops every process of the farm, an agent started by PUT /worker too', async () => {
  const farm = await npmStart();
  const pgid = farm.npm.pid!;
  try {
    const added = await fetch(`${farm.url}/worker`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${farm.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.ok(added.ok, await added.text());
    // The control plane that started that agent dies; the supervisor starts another.
    const controlPlane = group(pgid).find((process) => process.args.includes('control-plane/main.ts'))!;
    process.kill(controlPlane.pid, 'SIGKILL');
    await until('the restart is logged', () => /"service":"control-plane".*restarting/.test(farm.stdout), 90_000);
    await until(
      'the control plane answers again',
      () =>
        fetch(`${farm.url}/healthz`).then(
          (response) => response.ok,
          () => false,
        ),
      90_000,
    );
    assert.is(group(pgid).filter((process) => process.args.includes('images/agent/main.ts')).length, 2, 'both agents run');
    process.kill(pgid, 'SIGINT');
    await until('every process of the group has ended', () => group(pgid).length === 0, 60_000);
  } finally {
    await cleanup(farm);
  }
});

test('when the leader is killed outright, the farm stops itself', async () => {
  const farm = await npmStart();
  const pgid = farm.npm.pid!;
  try {
    process.kill(pgid, 'SIGKILL');
    await until('every process of the group has ended', () => group(pgid).length === 0, 60_000);
  } finally {
    await cleanup(farm);
  }
});

test.run();
