/** Real packages through the real farm: OK, WARNING, ERROR, C code with a binary, no network. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm, submit, waitForJob, output } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';

const farm = await startTestFarm({ workers: 2 });

// A TCP port that really accepts connections on the host, for the sandbox test.
const listener = createServer((socket) => socket.end());
await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
const openPort = (listener.address() as { port: number }).port;

// Submit everything at once; two agents work through them.
const submissions = {
  ok: await submit(farm, packTarball(packages.ok())),
  warning: await submit(farm, packTarball(packages.warning())),
  failing: await submit(farm, packTarball(packages.failingTests())),
  withC: await submit(farm, packTarball(packages.withC())),
  network: await submit(farm, packTarball(packages.network(openPort))),
};

test.after(async () => {
  listener.close();
  await farm.cleanup();
});

test('a submission is accepted with an unguessable id and a status URL', () => {
  const { status, body } = submissions.ok;
  assert.is(status, 202);
  assert.match(body.id, /^[0-9a-f]{32}$/);
  assert.is(body.url, `${farm.url}/status/${body.id}`);
  assert.is(body.builds.length, 1);
});

test('a tiny pure-R package ends DONE / OK', async () => {
  const info = await waitForJob(farm, submissions.ok.body.id);
  const build = info.builds[0];
  assert.is(build.status, 'DONE', build.reason);
  assert.is(build.result.status, 'OK', JSON.stringify(build.result));
  assert.ok(build.worker.r_version.startsWith('R '));
  assert.ok(build.artifacts.some((artifact: any) => artifact.name === '00check.log'));
});

test('a package with an undocumented export ends DONE / WARNING with the warning text', async () => {
  const build = (await waitForJob(farm, submissions.warning.body.id)).builds[0];
  assert.is(build.status, 'DONE');
  assert.is(build.result.status, 'WARNING');
  const item = build.result.items.find((entry: any) => entry.severity === 'WARNING');
  assert.match(item.text, /Undocumented code objects/);
  assert.match(item.text, /undocumented/);
});

test('a package whose tests fail ends DONE / ERROR and the failure is in the output', async () => {
  const info = await waitForJob(farm, submissions.failing.body.id);
  assert.is(info.builds[0].status, 'DONE');
  assert.is(info.builds[0].result.status, 'ERROR');
  const text = await output(farm, info.id);
  assert.match(text, /deliberate test failure 7f3a/);
  assert.match(text, /R CMD check/);
});

test('a package with C code builds a binary that installs with R CMD INSTALL', async () => {
  const info = await waitForJob(farm, submissions.withC.body.id);
  const build = info.builds[0];
  assert.is(build.status, 'DONE', build.reason);
  assert.ok(['OK', 'NOTE'].includes(build.result.status), JSON.stringify(build.result.items));
  const binary = build.artifacts.find((artifact: any) => /_R_.*\.tar\.gz$/.test(artifact.name));
  assert.ok(binary, `no binary among ${build.artifacts.map((artifact: any) => artifact.name)}`);
  const response = await fetch(binary.url);
  assert.is(response.status, 200);
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-install-'));
  const file = join(dir, binary.name);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  execFileSync('R', ['CMD', 'INSTALL', '-l', dir, file], { stdio: 'pipe' });
  const result = execFileSync('Rscript', ['-e', `library(cpkg, lib.loc = "${dir}"); cat(add_one(41))`], { encoding: 'utf8' });
  assert.is(result.trim(), '42');
});

test('inside the sandbox a test cannot open a TCP connection that works outside it', async () => {
  const outside = execFileSync(
    'Rscript',
    ['-e', `con <- socketConnection("127.0.0.1", ${openPort}, open = "r+b", timeout = 5); close(con); cat("CONNECTED")`],
    { encoding: 'utf8' },
  );
  assert.is(outside, 'CONNECTED');
  const info = await waitForJob(farm, submissions.network.body.id);
  assert.is(info.builds[0].status, 'DONE');
  assert.is(info.builds[0].result.status, 'OK', JSON.stringify(info.builds[0].result));
  const log = await fetch(info.builds[0].artifacts.find((artifact: any) => artifact.name === 'output.log').url).then((response) => response.text());
  assert.ok(log.length > 0);
});

test.run();
