/** The local farm's NATS credentials across restarts: kept keys, and a farm from before credentials keeps its state. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, encode, keys } from '../../protocol/index.ts';
import { prepareLocalNatsAuth } from '../../scripts/local-nats-auth.ts';
import { startNats } from '../../scripts/nats-server.ts';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-local-auth-'));
  dirs.push(dir);
  return dir;
};
test.after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

test('a second start keeps the keys, so the farm account (and its streams) stays the same', async () => {
  const dir = freshDir();
  const first = await prepareLocalNatsAuth(dir, ['r-release-linux-x86_64']);
  const second = await prepareLocalNatsAuth(dir, ['r-release-linux-x86_64']);
  assert.is(second.settings.server.farmAccount, first.settings.server.farmAccount);
  assert.is(second.settings.routePassword, first.settings.routePassword);
});

test('a farm started before it had credentials keeps its records once it has them', async () => {
  const dir = freshDir();
  let [node] = await startNats(dir);
  let farm = await connectFarm({ servers: [node.url], replicas: 1, name: 'before-credentials' });
  await farm.jobs.put(keys.job('from-before'), encode({ id: 'from-before' }));
  await farm.close();
  await node.stop();
  const auth = await prepareLocalNatsAuth(dir, []);
  [node] = await startNats(dir, 1, undefined, auth.settings);
  farm = await connectFarm({ servers: [node.url], credsFile: auth.controlPlaneCreds, replicas: 1, name: 'with-credentials' });
  try {
    assert.is((await farm.jobs.get(keys.job('from-before')))?.string(), JSON.stringify({ id: 'from-before' }));
  } finally {
    await farm.close();
    await node.stop();
  }
});

test.run();
