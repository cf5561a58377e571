/** The sysreqs service run alone (`npm run sysreqs`) listens on loopback unless HOST says otherwise. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../scripts/free-port.ts';

const ENTRY = fileURLToPath(new URL('../../sysreqs/main.ts', import.meta.url));

/** Local addresses (hex, as /proc/net/tcp{,6} writes them) of listening sockets on `port`. */
function listeningAddresses(port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A')
      .map((fields) => fields[1].split(':')[0]),
  );
}

test('with no HOST, the sysreqs service listens on 127.0.0.1 only', async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LOG_LEVEL: 'silent' };
  delete env.HOST;
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { env, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      ))
    ) {
      assert.ok(Date.now() < deadline && child.exitCode === null, 'the service did not come up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(listeningAddresses(port), ['0100007F']);
  } finally {
    child.kill('SIGTERM');
  }
});

test.run();
