/** The Object Store still records the standard SHA-256 of what it stores, now computed natively. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm } from '../../protocol/index.ts';
import { startNats } from '../../scripts/nats-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-digest-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'digest-test' });

test.after(async () => {
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a stored object carries the SHA-256 an independent hash computes, and reads back intact', async () => {
  const data = randomBytes(700_000);
  const info = await farm.objects.putBlob({ name: 'digest-check' }, data);
  const expected = createHash('sha256').update(data).digest('base64url');
  assert.is(info.digest.replace(/^SHA-256=/, '').replace(/=+$/, ''), expected);
  const back = await farm.objects.getBlob('digest-check');
  assert.ok(back && Buffer.from(back).equals(data));
});

test.run();
