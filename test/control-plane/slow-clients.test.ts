/** Slow clients cannot hold the control plane: request and header deadlines, and a connection cap (main.ts, config.ts). */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm } from '../support/farm.ts';

const MAX_CONNECTIONS = 40;
const farm = await startTestFarm({
  workers: 0,
  controlPlaneEnv: { FARM_REQUEST_TIMEOUT_SECONDS: '3', FARM_HEADERS_TIMEOUT_SECONDS: '2', FARM_MAX_CONNECTIONS: String(MAX_CONNECTIONS) },
});
const port = Number(new URL(farm.url).port);

test.after(() => farm.cleanup());

interface HeldSocket {
  readonly socket: Socket;
  /** Resolves with the milliseconds from opening to the server closing it, and what it answered. */
  readonly closed: Promise<{ afterMs: number; answer: string }>;
}

/** Opens a raw connection that sends `first`, then one byte of `trickle` every second until the server closes it. */
function slowClient(first: string, trickle: string): HeldSocket {
  const socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(first);
    let index = 0;
    timer = setInterval(() => socket.writable && socket.write(trickle[index++ % trickle.length]), 1_000);
  });
  socket.on('data', (data) => (answer += data.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<{ afterMs: number; answer: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - opened, answer });
    }),
  );
  return { socket, closed };
}

/** Waits for every socket to be closed by the server, failing after `limitMs` with how many were still open. */
async function allClosedWithin(held: HeldSocket[], limitMs: number): Promise<{ afterMs: number; answer: string }[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connections still open after ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([Promise.all(held.map((client) => client.closed)), late]);
  } finally {
    clearTimeout(timer);
    for (const client of held) client.socket.destroy();
  }
}

test('connections sending a body one byte a second are closed once the request deadline passes', async () => {
  const head = `PUT /jobs/submit/tarball HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/gzip\r\nContent-Length: 100000\r\n\r\n\x1f\x8b`;
  const held = Array.from({ length: 20 }, () => slowClient(head, 'x'));
  const closed = await allClosedWithin(held, 12_000);
  for (const client of closed) assert.ok(client.afterMs >= 2_500, `closed after ${client.afterMs} ms, before the 3 s deadline`);
});

test('connections sending their headers one byte a second are closed once the header deadline passes', async () => {
  const held = Array.from({ length: 20 }, () => slowClient('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'abcdef'));
  await allClosedWithin(held, 10_000);
});

test('an idle keep-alive connection outlives the header and request deadlines and serves its next request', async () => {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (data) => (received += data.toString('latin1')));
  const answers = async (count: number) => {
    const deadline = Date.now() + 5_000;
    while ((received.match(/HTTP\/1\.1 200/g) ?? []).length < count) {
      assert.ok(Date.now() < deadline && !socket.destroyed, `answer ${count} did not come: ${received.slice(-200)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await answers(1);
    // Idle past both deadlines (2 s and 3 s).
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    assert.ok(!socket.destroyed, 'the idle connection was closed');
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await answers(2);
  } finally {
    socket.destroy();
  }
});

test('connections beyond FARM_MAX_CONNECTIONS are closed at once, and the farm answers again when they go', async () => {
  const held = Array.from({ length: MAX_CONNECTIONS }, () => slowClient('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'a'));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const extra = slowClient('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', ' ');
  const [refused] = await allClosedWithin([extra], 1_000);
  assert.is(refused.answer, '', 'the connection over the cap got an answer');
  for (const client of held) client.socket.destroy();
  const deadline = Date.now() + 5_000;
  let status = 0;
  while (status !== 200 && Date.now() < deadline) {
    status = await fetch(`${farm.url}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.is(status, 200);
});

test.run();
