/**
 * `npm start` with a port already taken says so in one line naming the variable to change, and
 * with PORT held by another farm says that farm is there instead of claiming to be running.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePorts } from '../../scripts/free-port.ts';
import { startTestFarm } from '../support/farm.ts';

const START = fileURLToPath(new URL('../../scripts/start.ts', import.meta.url));

async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as { port: number }).port };
}

function start(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-start-'));
  return spawnSync(process.execPath, ['--import', 'tsx', START], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, FARM_DATA_DIR: dataDir, FARM_WORKERS: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

for (const name of ['NATS_PORT', 'SYSREQS_PORT', 'PORT'] as const) {
  test(`a busy ${name} gives one line naming ${name}, and nothing starts`, async () => {
    const busy = await listener();
    try {
      const [a, b, c] = await freePorts(3);
      const run = start({ PORT: String(a), NATS_PORT: String(b), SYSREQS_PORT: String(c), [name]: String(busy.port) });
      assert.is(run.status, 1, run.stdout + run.stderr);
      assert.is(run.stderr, `rfarm: port ${busy.port} (${name}) is in use by another program; start with ${name}=<a free port> npm start\n`);
      assert.not.match(run.stdout, /rfarm is running/);
    } finally {
      busy.server.close();
    }
  });
}

test('PORT held by another farm: says that farm is there, never prints its URL as its own', async () => {
  const other = await startTestFarm({ workers: 0 });
  try {
    const port = Number(new URL(other.url).port);
    const [b, c] = await freePorts(2);
    const run = start({ PORT: String(port), NATS_PORT: String(b), SYSREQS_PORT: String(c) });
    assert.is(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`^rfarm: another rfarm farm is already running at http://127\\.0\\.0\\.1:${port}/`));
    assert.is(run.stderr.trim().split('\n').length, 1);
    assert.not.match(run.stdout, /rfarm is running/);
  } finally {
    await other.cleanup();
  }
});

test.run();
