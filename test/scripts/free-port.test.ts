/**
 * Ports the local farm picks for its servers lie below the kernel's ephemeral range, where no
 * `listen(0)` or outgoing connection of another process can take them between the pick and the bind.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, freePorts } from '../../scripts/free-port.ts';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('a picked port is below the ephemeral range and can be listened on', async () => {
  for (let round = 0; round < 20; round++) {
    const port = await freePort();
    assert.ok(port >= 10_000 && port < ephemeralLow, `${port} is not in [10000, ${ephemeralLow})`);
    const server = createServer();
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', done);
    });
    await new Promise((done) => server.close(done));
  }
});

test('a port the kernel hands out for listen(0) is never one we pick meanwhile', async () => {
  const held = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const server = createServer();
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      return { server, port: (server.address() as { port: number }).port };
    }),
  );
  try {
    const picked = await freePorts(20);
    assert.is(new Set(picked).size, 20, 'distinct');
    const taken = new Set(held.map(({ port }) => port));
    assert.ok(
      picked.every((port) => !taken.has(port)),
      'a picked port is held by a listen(0) server',
    );
    assert.ok(held.every(({ port }) => port >= ephemeralLow));
  } finally {
    await Promise.all(held.map(({ server }) => new Promise((done) => server.close(done))));
  }
});

test.run();
