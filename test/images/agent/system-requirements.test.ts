/** The agent's system-requirements step against a real sysreqs service: what it prints. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findPlatform } from '../../../images/index.ts';
import { SystemRequirements } from '../../../images/agent/system-requirements.ts';
import { startSysreqsServer, type SysreqsServer } from '../../../sysreqs/index.ts';
import { startTestService } from '../../sysreqs/service-fixture.ts';
import { documentedHello, packTarball } from '../../support/r-packages.ts';

let service: SysreqsServer;
test.before(async () => {
  service = await startTestService({ repository: false });
});
test.after(async () => {
  await service.close();
});

function collect(): { write(text: string): void; bytes: number; text: string } {
  return {
    text: '',
    bytes: 0,
    write(chunk: string) {
      this.text += chunk;
      this.bytes += chunk.length;
    },
  };
}

const platform = findPlatform('r-release-linux-x86_64-debian-stable-gcc')!;

test('text the service does not understand is printed as the text itself', async () => {
  const sink = collect();
  const outcome = await new SystemRequirements(service.url, platform, false).prepare(
    'Package: pony\nVersion: 1.0\nSystemRequirements: GNU make, a fast pony\n',
    sink,
  );
  assert.is(outcome.failure, null);
  assert.match(sink.text, /not understood, nothing installed for: "a fast pony"/);
  assert.not.match(sink.text, /\[object Object\]/);
  assert.match(sink.text, /gnu-make: make {2}\(from "GNU make"\)/);
});

test('a requirement already brought by another is said so, and optional ones are named apart', async () => {
  const sink = collect();
  await new SystemRequirements(service.url, platform, false).prepare(
    'Package: drawn\nVersion: 1.0\nSystemRequirements: cairo, freetype2, libxml2 (optional)\n',
    sink,
  );
  assert.match(sink.text, /freetype: \(already brought by cairo\)/);
  assert.match(sink.text, /optional, not installed: libxml2: libxml2-dev/);
});

test('with the source tarball, a library only its configure names is found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sysreqs-'));
  try {
    const tarball = join(dir, 'upload.tar.gz');
    const files = { ...documentedHello, configure: '#!/bin/sh\nPKG_CONFIG_NAME="libzmq"\n' };
    writeFileSync(tarball, packTarball({ name: 'quietzmq', files }));
    const description = 'Package: quietzmq\nVersion: 1.0\n';
    const withSource = collect();
    await new SystemRequirements(service.url, platform, false).prepare(description, withSource, readFileSync(tarball));
    assert.match(withSource.text, /zeromq: libzmq3-dev {2}\(from "configure:2: PKG_CONFIG_NAME="libzmq""\)/);
    const withoutSource = collect();
    await new SystemRequirements(service.url, platform, false).prepare(description, withoutSource);
    assert.match(withoutSource.text, /none needed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tarball the service cannot read falls back to the DESCRIPTION', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sysreqs-'));
  try {
    const tarball = join(dir, 'upload.tar.gz');
    writeFileSync(tarball, 'not a tarball');
    const sink = collect();
    const outcome = await new SystemRequirements(service.url, platform, false).prepare(
      'Package: x\nVersion: 1\nSystemRequirements: GNU make\n',
      sink,
      readFileSync(tarball),
    );
    assert.is(outcome.failure, null);
    assert.match(sink.text, /gnu-make: make/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A loopback port nothing listens on (yet). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}

test('with the service down, the step waits for it and goes on once it answers', async () => {
  const port = await closedPort();
  const sink = collect();
  // The service comes up three seconds into the wait, on the address the agent was given.
  let late: SysreqsServer | null = null;
  const starting = new Promise<void>((done) =>
    setTimeout(() => {
      startSysreqsServer({ port, host: '127.0.0.1', logger: pino({ level: 'silent' }), defaultMetrics: false }).then((server) => {
        late = server;
        done();
      });
    }, 3_000),
  );
  try {
    const started = Date.now();
    const outcome = await new SystemRequirements(`http://127.0.0.1:${port}`, platform, false).prepare(
      'Package: x\nVersion: 1\nSystemRequirements: GNU make\n',
      sink,
      undefined,
      { waitMs: 60_000 },
    );
    assert.ok(Date.now() - started >= 3_000, 'it waited');
    assert.is(outcome.failure, null);
    assert.match(sink.text, /the sysreqs service at http:\/\/127\.0\.0\.1:\d+ is unavailable \(ECONNREFUSED\); waiting up to 60 s for it/);
    assert.match(sink.text, /answers again/);
    assert.match(sink.text, /gnu-make: make/);
  } finally {
    await starting;
    await (late as SysreqsServer | null)?.close();
  }
});

test('with the service down for the whole wait, the step fails once, saying sysreqs was unavailable', async () => {
  const port = await closedPort();
  const sink = collect();
  const started = Date.now();
  const outcome = await new SystemRequirements(`http://127.0.0.1:${port}`, platform, false).prepare('Package: x\nVersion: 1\n', sink, undefined, {
    waitMs: 4_000,
  });
  assert.ok(Date.now() - started >= 2_500, `it waited (${Date.now() - started} ms)`);
  assert.ok(outcome.unavailable);
  assert.match(outcome.failure ?? '', /the sysreqs service at http:\/\/127\.0\.0\.1:\d+ was unavailable for 4 s \(ECONNREFUSED\)/);
  assert.match(sink.text, />>> rfarm: ERROR: system requirements: the sysreqs service .* was unavailable/);
});

test('a cancel ends the wait at once', async () => {
  const port = await closedPort();
  const cancel = new AbortController();
  setTimeout(() => cancel.abort('cancelled'), 1_500);
  const started = Date.now();
  const outcome = await new SystemRequirements(`http://127.0.0.1:${port}`, platform, false).prepare('Package: x\nVersion: 1\n', collect(), undefined, {
    waitMs: 60_000,
    cancel: cancel.signal,
  });
  assert.ok(outcome.cancelled);
  assert.ok(Date.now() - started < 10_000);
});

test.run();
