/** The agent's system-requirements step against a real sysreqs service: what it prints. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findPlatform } from '../../../images/index.ts';
import { SystemRequirements } from '../../../images/agent/system-requirements.ts';
import type { SysreqsServer } from '../../../sysreqs/index.ts';
import { startTestService } from '../../sysreqs/service-fixture.ts';

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

test.run();
