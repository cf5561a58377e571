/**
 * Defect 5 of issue 13: the agent runs as an unprivileged user (uid 10001) in its container, and
 * its system-requirements step runs the sysreqs service's install commands (`apt-get install -y
 * …`), which need root. The platform images give the agent user the package manager through sudo
 * (images/linux/scripts/add-agent-user.sh: a shim first on PATH). Here the agent's own step runs
 * in a real platform container started by the agent container's own `docker run` line, against a
 * real sysreqs service: it installs a library the image lacks. The same step without the shim
 * (the image as it was before the fix) fails as it did, so the test can fail.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SysreqsServer } from '../../sysreqs/index.ts';
import { dockerRunArgv } from '../../scripts/platform-containers.ts';
import { preparePlatformImages } from '../../scripts/platform-setup.ts';
import { startTestService } from '../sysreqs/service-fixture.ts';
import { localPlatform } from '../support/platform-farm.ts';

const PLATFORM = 'r-4-2-linux-x86_64-debian-12-gcc';
// The requirement and the Debian package the service maps it to, absent from the image.
const REQUIREMENT = 'GNU GSL';
const LIBRARY = 'libgsl-dev';

const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-sysreqs-agent-'));
const images = await preparePlatformImages({ farmPlatforms: PLATFORM, dataDir, log: (line) => console.log(line) }).catch((error: Error) => {
  throw new Error(`the sysreqs-as-agent test needs Docker and the platform image: ${error.message}`, { cause: error });
});
const image = [...images.values()][0];
let service: SysreqsServer;
test.before(async () => {
  service = await startTestService({ repository: false });
});
test.after(async () => {
  await service.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface StepResult {
  readonly uid: number;
  readonly path: string;
  readonly outcome: { missing: string[]; failure: string | null };
  readonly output: string;
}

/** Runs docker without blocking: the sysreqs service answers from this process meanwhile. */
function docker(argv: readonly string[], timeoutMs: number): Promise<{ stdout: string; text: string }> {
  return new Promise((resolve) => {
    const child = spawn('docker', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, text: `exit ${code}\n${stdout}${stderr}` });
    });
  });
}

/** The agent container's `docker run` line, running the sysreqs step instead of the agent, with `env` added. */
async function runStep(workerId: string, env: Record<string, string> = {}): Promise<{ result: StepResult | null; text: string }> {
  const spec = { platform: localPlatform(PLATFORM), image, agentEnv: {}, farmDataDir: dataDir, workerId };
  const containerDir = mkdtempSync(join(dataDir, 'container-'));
  const argv = dockerRunArgv(spec, containerDir);
  const at = argv.lastIndexOf(image);
  assert.equal(argv.slice(at + 1), ['node', '--import', 'tsx', 'images/agent/main.ts'], 'the agent container runs the agent');
  const extra = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
  const command = [...argv.slice(0, at), ...extra, image, 'node', '--import', 'tsx', 'test/platforms/sysreqs-step.ts', service.url, REQUIREMENT];
  const { stdout, text } = await docker(command, 300_000);
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"uid"'));
  return { result: line ? (JSON.parse(line) as StepResult) : null, text };
}

test(`the image lacks ${LIBRARY}, and the agent user is not root (what the step has to overcome)`, () => {
  const probe = spawnSync(
    'docker',
    ['run', '--rm', '--user', '10001:10001', image, 'sh', '-c', `id -u; dpkg-query -W -f='\${Status}' ${LIBRARY} 2>&1 || true`],
    {
      encoding: 'utf8',
    },
  );
  assert.is(probe.status, 0, probe.stderr);
  const [uid, status] = probe.stdout.split('\n');
  assert.is(uid, '10001');
  assert.not.match(status ?? '', /install ok installed/);
});

test('without the sudo shim (the image before the fix), apt-get as the agent user fails and the step reports it', async () => {
  const { result, text } = await runStep('no-shim', { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });
  assert.ok(result, text);
  assert.is(result!.uid, 10001);
  assert.match(result!.outcome.failure ?? '', /installing system requirements failed: `apt-get install -y .*libgsl-dev.*` exited/);
  assert.match(result!.output, /Permission denied|are you root/i);
});

test(`the agent's sysreqs step installs ${LIBRARY} as uid 10001 in its container, through the image's sudo shim`, async () => {
  const { result, text } = await runStep('with-shim');
  assert.ok(result, text);
  assert.is(result!.uid, 10001);
  assert.ok(result!.path.startsWith('/usr/local/lib/rfarm/bin:'), result!.path);
  assert.is(result!.outcome.failure, null, result!.output);
  assert.equal(result!.outcome.missing, [], result!.output);
  assert.match(result!.output, new RegExp(`\\$ apt-get install -y .*${LIBRARY}`));
});

test.run();
