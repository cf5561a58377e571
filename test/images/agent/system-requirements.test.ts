/** The agent's system-requirements step against a real sysreqs service: what it prints. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findPlatform } from '../../../images/index.ts';
import { SystemRequirements } from '../../../images/agent/system-requirements.ts';
import type { SysreqsServer } from '../../../sysreqs/index.ts';
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
  const outcome = await new SystemRequirements(service.url, platform, false).prepare('Package: pony\nVersion: 1.0\nSystemRequirements: GNU make, a fast pony\n', sink);
  assert.is(outcome.failure, null);
  assert.match(sink.text, /not understood, nothing installed for: "a fast pony"/);
  assert.not.match(sink.text, /\[object Object\]/);
  assert.match(sink.text, /gnu-make: make {2}\(from "GNU make"\)/);
});

test('a requirement already brought by another is said so, and optional ones are named apart', async () => {
  const sink = collect();
  await new SystemRequirements(service.url, platform, false).prepare('Package: drawn\nVersion: 1.0\nSystemRequirements: cairo, freetype2, libxml2 (optional)\n', sink);
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
    const outcome = await new SystemRequirements(service.url, platform, false).prepare('Package: x\nVersion: 1\nSystemRequirements: GNU make\n', sink, readFileSync(tarball));
    assert.is(outcome.failure, null);
    assert.match(sink.text, /gnu-make: make/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
