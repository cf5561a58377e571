/**
 * Hostile packages against a real local farm (real bwrap, real R): each attack fails with a clear
 * result for the package, and nothing outside its job changes. The farm runs with small limits so
 * the bounded attacks reach them quickly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm, submit, waitForJob, output } from '../support/farm.ts';
import { packTarball } from '../support/r-packages.ts';
import { submitForPublishing, waitForPublication } from '../repository/publishing.ts';
import { findingsOf, hostile } from './hostile-packages.ts';

// A uid of this farm's own: other farms on the machine (other test runs) use the default one.
const SANDBOX_UID = 200_000 + Math.floor(Math.random() * 100_000) * 2;
const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-hostile-'));
const secretPath = join(dataDir, 'secret-token');
const SECRET = 'rfarm-secret-4e1c9b7d';
writeFileSync(secretPath, SECRET, { mode: 0o600 });
const repoRoot = resolve(import.meta.dirname, '../..');

const farm = await startTestFarm({
  dataDir,
  workers: 2,
  agentEnv: {
    FARM_BUILD_PROCESSES: '200',
    FARM_BUILD_DISK_BYTES: '300000000',
    FARM_BUILD_TMP_BYTES: '100000000',
    FARM_WALL_TIME_SECONDS: '400',
    FARM_SANDBOX_UID: String(SANDBOX_UID),
  },
});

const jobs = {
  remount: await submit(farm, packTarball(hostile.remount())),
  probe: await submit(farm, packTarball(hostile.probe([dataDir, repoRoot, secretPath]))),
  links: await submit(farm, packTarball(hostile.links(secretPath))),
  devices: await submit(farm, packTarball(hostile.devices())),
  forge: await submit(farm, packTarball(hostile.forge())),
  syscalls: await submit(farm, packTarball(hostile.syscalls())),
  forks: await submit(farm, packTarball(hostile.forks())),
  disk: await submit(farm, packTarball(hostile.disk())),
  tmp: await submit(farm, packTarball(hostile.tmp())),
  manyFiles: await submit(farm, packTarball(hostile.manyFiles())),
};
const swapJob = await submitForPublishing(farm, packTarball(hostile.swap()));

test.after(() => farm.cleanup());

/** The finished build of a job, with its console output. */
async function finished(name: keyof typeof jobs): Promise<{ build: any; text: string; id: string }> {
  const { status, body } = jobs[name];
  assert.is(status, 202, `submission of ${name}: ${JSON.stringify(body)}`);
  const info = await waitForJob(farm, body.id, 400_000);
  return { build: info.builds[0], text: await output(farm, body.id), id: body.id };
}

function files(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files(path, found);
    else found.push(path);
  }
  return found;
}

async function artifact(id: string, name: string): Promise<Buffer | null> {
  const response = await fetch(`${farm.url}/jobs/${id}/artifacts/${encodeURIComponent(name)}`);
  return response.ok ? Buffer.from(await response.arrayBuffer()) : null;
}

test('a build is an unprivileged uid with no capabilities, and cannot remount the read-only system or cache', async () => {
  const { build, text } = await finished('remount');
  const findings = findingsOf(text);
  assert.match(findings, /Uid:\s+1000\s/);
  assert.match(findings, /CapEff:\s+0000000000000000/);
  assert.match(findings, /NoNewPrivs:\s+1/);
  assert.match(findings, /Seccomp:\s+2/);
  for (const dir of ['/rfarm/dependencies', '/usr', '/etc']) assert.match(findings, new RegExp(`${dir} mount=\\d+ write=FALSE`));
  assert.is(build.status, 'DONE');
  assert.not.ok(existsSync('/usr/rfarm-pwned') || existsSync('/etc/rfarm-pwned'));
  assert.equal(
    files(join(dataDir, 'dependency-cache')).filter((path) => path.endsWith('rfarm-pwned')),
    [],
  );
});

test('a build sees no agent environment, no /etc/shadow, no farm paths and only its own processes', async () => {
  const findings = findingsOf((await finished('probe')).text);
  assert.match(findings, /leaks= \|/, findings);
  assert.match(findings, /shadow=FALSE/);
  assert.match(findings, /root=FALSE/);
  for (const path of [dataDir, repoRoot, secretPath]) assert.match(findings, `host ${path}=FALSE`);
  const processes = Number(/processes=(\d+)/.exec(findings)?.[1]);
  assert.ok(processes > 0 && processes < 20, `the build saw ${processes} processes`);
});

test('artifacts linked to a host secret or the agent environment are refused, never followed', async () => {
  const { build, id } = await finished('links');
  assert.is(build.status, 'DONE');
  assert.is(build.result.status, 'ERROR');
  const refused = build.result.items
    .filter((item: any) => item.check === 'files left by the build')
    .map((item: any) => item.text)
    .join('\n');
  assert.match(refused, /00check\.log: is a symbolic link/);
  assert.match(refused, /_R_.*\.tar\.gz: is a symbolic link/);
  for (const record of build.artifacts) {
    const data = await artifact(id, record.name);
    assert.ok(data, `artifact ${record.name} downloads`);
    assert.not.ok(data!.includes(SECRET), `artifact ${record.name} holds the host secret`);
    assert.not.ok(data!.includes('NATS_URL'), `artifact ${record.name} holds the agent's environment`);
  }
  const source = await artifact(id, 'hostlinks_0.1.0.tar.gz');
  assert.ok(gunzipSync(source!).includes('hostlinks/DESCRIPTION'), 'the source package offered is the one built before the check');
});

test('an artifact that is /dev/zero or a FIFO ends the build with an ERROR naming it, without blocking the worker', async () => {
  const { build } = await finished('devices');
  assert.is(build.status, 'DONE');
  const refused = build.result.items
    .filter((item: any) => item.check === 'files left by the build')
    .map((item: any) => item.text)
    .join('\n');
  assert.match(refused, /00install\.out: is a symbolic link/);
  assert.match(refused, /00check\.log: is not a regular file/);
  assert.match(refused, /_R_.*\.tar\.gz: is not a regular file/);
  assert.ok(build.elapsed_seconds < 300, `the build took ${build.elapsed_seconds} s`);
});

test('a check that rewrites its 00check.log and writes "Status: OK" into its console still ends ERROR', async () => {
  const { build } = await finished('forge');
  assert.is(build.status, 'DONE');
  assert.is(build.result.status, 'ERROR');
  assert.ok(
    build.result.items.some((item: any) => item.severity === 'ERROR' && /tests/.test(item.check)),
    JSON.stringify(build.result.items),
  );
});

test('ptrace, process_vm_readv and pidfd_getfd on the check process are refused (EPERM)', async () => {
  const findings = findingsOf((await finished('syscalls')).text);
  assert.match(findings, /ptrace=1\b/);
  assert.match(findings, /process_vm_readv=1\b/);
  assert.match(findings, /pidfd_getfd=1\b/);
});

test('a fork bomb stops at the build process limit and leaves no process behind', async () => {
  const findings = findingsOf((await finished('forks')).text);
  const alive = Number(/alive=(\d+)/.exec(findings)?.[1]);
  assert.ok(alive <= 200, `${alive} processes lived at once (limit 200): ${findings}`);
  await waitForAll();
  const left = spawnSync('pgrep', ['-u', `${SANDBOX_UID},${SANDBOX_UID + 1}`], { encoding: 'utf8' }).stdout.trim();
  assert.is(left, '', `processes of the sandbox uid left on the host: ${left}`);
});

test('a build that fills its directory is stopped with an ERROR, and its files are gone', async () => {
  const { build } = await finished('disk');
  assert.is(build.status, 'DONE');
  assert.ok(
    build.result.items.some((item: any) => item.check === 'disk space'),
    JSON.stringify(build.result.items),
  );
  await waitForAll();
  assert.equal(readdirSync(join(dataDir, 'builds')), []);
});

test('/tmp and /dev/shm are private and size-limited, /dev is read-only', async () => {
  const findings = findingsOf((await finished('tmp')).text);
  assert.ok(Number(/tmp=(\d+)/.exec(findings)?.[1]) <= 100, findings);
  assert.ok(Number(/shm=(\d+)/.exec(findings)?.[1]) <= 100, findings);
  assert.match(findings, /devwrite=FALSE/);
});

test('30,000 files in the job directory cost a bounded number of artifacts', async () => {
  const { build } = await finished('manyFiles');
  assert.is(build.status, 'DONE');
  assert.ok(build.artifacts.length <= 6, `${build.artifacts.length} artifacts`);
});

test('source and binary packages swapped by the tests after the check are not what is offered or published', async () => {
  const publications = await waitForPublication(farm, swapJob, 400_000);
  assert.is(publications.builds[0].status, 'published', JSON.stringify(publications));
  for (const path of publications.builds[0].files.map((file: any) => file.path ?? file)) {
    const data = Buffer.from(await (await fetch(`${farm.url}/repo/${path}`)).arrayBuffer());
    assert.not.ok(data.includes('SWAPPED-BY-THE-PACKAGE'), `${path} in the repository is the swapped file`);
    const unpacked = gunzipSync(data);
    assert.ok(unpacked.includes('hostswap/DESCRIPTION'), `${path} is a package`);
  }
  const info = await waitForJob(farm, swapJob);
  for (const record of info.builds[0].artifacts) {
    const data = await artifact(swapJob, record.name);
    assert.not.ok(data!.includes('SWAPPED-BY-THE-PACKAGE'), `artifact ${record.name} is the swapped file`);
  }
});

async function waitForAll(): Promise<void> {
  for (const { body } of Object.values(jobs)) await waitForJob(farm, body.id, 400_000);
  await waitForJob(farm, swapJob, 400_000);
  // The agent removes a job directory right after storing its result.
  await new Promise((done) => setTimeout(done, 2_000));
}

test('nothing of any build is left in the builds directory, and the data directory is closed to others', async () => {
  await waitForAll();
  assert.equal(readdirSync(join(dataDir, 'builds')), []);
  const mode = Number.parseInt(execFileSync('stat', ['-c', '%a', join(dataDir, 'output-logs')], { encoding: 'utf8' }).trim(), 8);
  assert.is(mode & 0o077, 0);
});

test.run();
