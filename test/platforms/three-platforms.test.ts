/**
 * Real container platforms: one job, three platforms, each checked by its own R with its own
 * compiler; system requirements installed inside the container; a killed container's build is
 * redelivered; a cancel kills the container's build. Needs Docker: fails, never skips, without it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobInfo, output, submit, waitForJob } from '../support/farm.ts';
import { LOCAL_PLATFORMS, startPlatformFarm } from '../support/platform-farm.ts';
import { documentedHello, packTarball, packages } from '../support/r-packages.ts';

const [DEBIAN_12_GCC, DEBIAN_13_GCC, DEBIAN_13_CLANG] = LOCAL_PLATFORMS;
const EXPECTED = {
  [DEBIAN_12_GCC]: { r: /using R version 4\.2\.\d/, os: 'debian 12', cc: 'gcc', compiler: /^gcc /m },
  [DEBIAN_13_GCC]: { r: /using R version 4\.5\.\d/, os: 'debian 13', cc: 'gcc', compiler: /^gcc /m },
  [DEBIAN_13_CLANG]: { r: /using R version 4\.5\.\d/, os: 'debian 13', cc: 'clang', compiler: /^clang /m },
} as const;

// A short ack wait so a killed container's build comes back within seconds.
const farm = await startPlatformFarm(LOCAL_PLATFORMS, { sysreqsPort: 0, agentEnv: { FARM_ACK_WAIT_SECONDS: '5' } });
test.after(() => farm.cleanup());

const RFARM = fileURLToPath(new URL('../../cli/rfarm.js', import.meta.url));
const onAll = `platform=${LOCAL_PLATFORMS.join('&platform=')}`;

/** Runs the `rfarm` command against the farm, as a person would. */
function rfarm(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RFARM, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, RFARM_SERVER: farm.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function artifact(jobId: string, platform: string, name: string): Promise<string> {
  const response = await fetch(`${farm.url}/jobs/${jobId}/artifacts/${name}?platform=${platform}`);
  assert.is(response.status, 200, `${platform} ${name}: ${response.status}`);
  return response.text();
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Processes inside an agent container whose command line mentions `pattern`. */
function containerProcesses(container: string, pattern: string): string[] {
  const listing = execFileSync('docker', ['top', container, '-eo', 'pid,args'], { encoding: 'utf8' });
  return listing
    .split('\n')
    .slice(1)
    .filter((line) => line.includes(pattern));
}

test('rfarm submit --platform a,b,c --follow: one C package, one job, three platforms, each OK with its own R, OS and compiler', async () => {
  const tarball = join(mkdtempSync(join(tmpdir(), 'rfarm-cpkg-')), 'cpkg_0.1.0.tar.gz');
  writeFileSync(tarball, packTarball(packages.withC()));
  const cli = await rfarm(['submit', tarball, '--platform', LOCAL_PLATFORMS.join(','), '--follow', '--json']);
  assert.is(cli.status, 0, `rfarm exited ${cli.status}: ${cli.stderr.slice(-2000)}`);
  const body = JSON.parse(cli.stdout);
  const info = await jobInfo(farm, body.id);
  assert.equal(info.builds.map((build: any) => build.platform).sort(), [...LOCAL_PLATFORMS].sort());
  for (const build of info.builds) {
    assert.is(build.status, 'DONE', `${build.platform}: ${build.reason}`);
    assert.ok(['OK', 'NOTE'].includes(build.result.status), `${build.platform}: ${JSON.stringify(build.result)}`);
    const expected = EXPECTED[build.platform as keyof typeof EXPECTED];
    const checkLog = await artifact(body.id, build.platform, '00check.log');
    assert.match(checkLog, expected.r, `${build.platform}: ${checkLog.split('\n').slice(0, 4).join(' | ')}`);
    // R 4.2's check log does not name the OS; the worker reads it from the container's os-release.
    assert.is(build.worker.distribution, expected.os, build.platform);
    assert.match(build.worker.compiler, new RegExp(`^${expected.cc}`), build.platform);
    assert.match(await artifact(body.id, build.platform, '00install.out'), expected.compiler, `${build.platform} compiled with the wrong compiler`);
  }
});

test('a package needing libxml2 checks OK on every platform: the agent installs libxml2-dev inside its container', async () => {
  const spec = {
    name: 'xmlpkg',
    fields: { SystemRequirements: 'libxml2' },
    files: {
      ...documentedHello,
      NAMESPACE: 'useDynLib(xmlpkg)\nexport(hello)\n',
      'src/Makevars': 'PKG_CPPFLAGS = -I/usr/include/libxml2\nPKG_LIBS = -lxml2\n',
      'src/uses_xml.c': '#include <libxml/parser.h>\nint xmlpkg_version(void) { xmlInitParser(); return LIBXML_VERSION; }\n',
    },
  };
  for (const image of farm.images.values()) {
    const probe = spawnSync('docker', ['run', '--rm', '--network', 'none', image, 'dpkg-query', '-W', '-f=${Status}', 'libxml2-dev'], { encoding: 'utf8' });
    assert.not.match(probe.stdout, /install ok installed/, `${image} must start without libxml2-dev`);
  }
  const { body } = await submit(farm, packTarball(spec), onAll);
  const info = await waitForJob(farm, body.id, 900_000);
  for (const build of info.builds) {
    assert.is(build.status, 'DONE', `${build.platform}: ${build.reason}`);
    assert.ok(['OK', 'NOTE'].includes(build.result.status), `${build.platform}: ${JSON.stringify(build.result)}`);
    const text = await output(farm, body.id, build.platform);
    assert.match(text, /libxml2: .*libxml2-dev/, build.platform);
    // The images do not have it: the agent installed it, in its container (no host agent runs here).
    assert.match(text, /\$ apt-get install -y .*libxml2-dev/, `${build.platform}: ${text.slice(0, 1500)}`);
  }
  for (const container of farm.containers.filter((candidate) => candidate.alive)) {
    const installed = execFileSync('docker', ['exec', container.name, 'dpkg-query', '-W', '-f=${Status}', 'libxml2-dev'], { encoding: 'utf8' });
    assert.match(installed, /install ok installed/, `${container.name}: libxml2-dev is installed inside the container`);
  }
});

test('killing an agent container mid-check: the build is redelivered to a new container and ends DONE', async () => {
  const { body } = await submit(farm, packTarball(packages.slow(20, 'crashbox')), `platform=${DEBIAN_13_GCC}`);
  await waitForJob(farm, body.id, 300_000, (build) => build.status === 'RUNNING');
  const worker = (await jobInfo(farm, body.id)).builds[0].worker.id;
  const victim = farm.containers.find((container) => container.spec.workerId === worker);
  assert.ok(victim, `no container runs worker ${worker}`);
  victim.kill();
  await waitUntil(async () => !victim.alive, 30_000, 'the killed container to go');
  farm.addContainer(DEBIAN_13_GCC, `${DEBIAN_13_GCC}-replacement`);
  const done = await waitForJob(farm, body.id, 600_000);
  assert.is(done.builds[0].status, 'DONE', done.builds[0].reason);
  assert.is(done.builds[0].result.status, 'OK');
  assert.is(done.builds[0].attempt, 2);
  assert.is(done.builds[0].worker.id, `${DEBIAN_13_GCC}-replacement`);
  assert.match(await output(farm, body.id), /attempt 2: the previous attempt was lost/);
});

test('cancelling a check kills the build inside the container', async () => {
  const { body } = await submit(farm, packTarball(packages.slow(300, 'cancelbox')), `platform=${DEBIAN_12_GCC}`);
  await waitUntil(
    async () => (await output(farm, body.id)).includes('slow test starting') || (await output(farm, body.id)).includes('Running ‘slow.R’'),
    300_000,
    'the slow test to start',
  );
  const container = farm.containers.find((candidate) => candidate.spec.platform.id === DEBIAN_12_GCC)!;
  assert.ok(containerProcesses(container.name, 'cancelbox').length > 0, 'the check runs inside the container before the cancel');
  const response = await fetch(`${farm.url}/jobs/${body.id}`, { method: 'DELETE' });
  assert.is(response.status, 200);
  await waitUntil(async () => containerProcesses(container.name, 'cancelbox').length === 0, 10_000, 'the build’s processes in the container to go away');
  assert.is((await jobInfo(farm, body.id)).builds[0].status, 'CANCELLED');
  assert.ok(container.alive, 'the agent container itself keeps running');
});

test.run();
