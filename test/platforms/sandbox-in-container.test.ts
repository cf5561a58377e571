/**
 * The flags of images/linux/agent-container.ts are exactly what bubblewrap needs in a platform
 * container: the hardened sandbox invocation works with them (as the unprivileged agent user, no
 * capability added) and does not work without them. Real Docker, the real images; never skipped.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SANDBOX_SECURITY_OPTIONS, agentContainerFlags } from '../../images/index.ts';
import { preparePlatformImages } from '../../scripts/platform-setup.ts';
import { LOCAL_PLATFORMS } from '../support/platform-farm.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-sandbox-'));
const images = await preparePlatformImages({ farmPlatforms: LOCAL_PLATFORMS.join(','), dataDir, log: (line) => console.log(line) }).catch((error: Error) => {
  throw new Error(`the sandbox-in-container tests need Docker and the platform images: ${error.message}`, { cause: error });
});
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * The sandbox the hardened agent runs (images/agent/sandbox.ts: user/pid/net/ipc/uts/cgroup namespaces,
 * no nested user namespaces, no capabilities, fresh /proc, read-only /dev, sized /tmp and /dev/shm,
 * rlimits), written out so this test shows which docker flags that invocation needs.
 */
const SANDBOX = [
  'mkdir -p /var/lib/rfarm/probe-job &&',
  'prlimit --fsize=100000000 --nproc=512 --core=0 --',
  'bwrap --unshare-all --unshare-user --disable-userns --uid 1000 --gid 1000 --cap-drop ALL',
  '--new-session --die-with-parent --hostname rfarm-sandbox',
  '--ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin --symlink usr/sbin /sbin',
  '--dir /etc --ro-bind /etc/alternatives /etc/alternatives --ro-bind /etc/R /etc/R --ro-bind /etc/ld.so.cache /etc/ld.so.cache',
  '--proc /proc --dev /dev --size 67108864 --tmpfs /dev/shm --remount-ro /dev --size 67108864 --tmpfs /tmp',
  '--bind /var/lib/rfarm/probe-job /job --chdir /job --clearenv --setenv PATH /usr/bin:/bin --setenv HOME /job',
  '-- sh -c',
  `'echo uid=$(id -u); grep CapEff /proc/self/status; echo pid1=$(cat /proc/1/comm); echo w > /job/f && echo job-writable; (echo w > /usr/probe) 2>/dev/null || echo usr-readonly; cat /proc/net/dev | grep -c : ; Rscript -e "cat(R.version.string, fill = TRUE)"'`,
].join(' ');

function runInImage(image: string, flags: readonly string[]): { status: number | null; text: string } {
  const result = spawnSync('docker', ['run', '--rm', '--network', 'none', ...flags, image, 'sh', '-c', SANDBOX], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, text: `${result.stdout}${result.stderr}` };
}

for (const [platform, image] of images) {
  test(`${platform.id}: the hardened bubblewrap sandbox runs as uid 1000 with no capabilities under the agent-container flags`, () => {
    const { status, text } = runInImage(image, agentContainerFlags());
    assert.is(status, 0, text);
    assert.match(text, /uid=1000/);
    assert.match(text, /CapEff:\s+0000000000000000/);
    assert.match(text, /pid1=sh|pid1=bwrap/, 'a pid namespace of its own');
    assert.match(text, /job-writable/);
    assert.match(text, /usr-readonly/);
    assert.match(text, /^1$/m, 'only the loopback interface: no network');
    assert.match(text, new RegExp(`R version ${platform.image.rVersion.replace(/\./g, '\\.')}`));
  });
}

/** The agent-container flags other than the security options (the user, the data directory). */
function flagsWithout(security: readonly string[]): string[] {
  const all = agentContainerFlags();
  assert.equal(all.slice(0, SANDBOX_SECURITY_OPTIONS.length), [...SANDBOX_SECURITY_OPTIONS]);
  return [...security, ...all.slice(SANDBOX_SECURITY_OPTIONS.length)];
}

test('without the security options the same sandbox cannot start (the flags are needed, not decoration)', () => {
  const [image] = images.values();
  const { status, text } = runInImage(image, flagsWithout([]));
  assert.is.not(status, 0, text);
  assert.match(text, /bwrap: /);
});

test('seccomp alone is not enough: Docker’s masked /proc stops bwrap mounting its own', () => {
  const [image] = images.values();
  const { status, text } = runInImage(image, flagsWithout(['--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined']));
  assert.is.not(status, 0, text);
  assert.match(text, /Can't mount proc/);
});

test.run();
