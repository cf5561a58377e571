/** FARM_PLATFORMS, the Debian mirror and the agent container's `docker run` line: what the local farm decides before Docker runs. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SANDBOX_SECURITY_OPTIONS, locallyBuildablePlatforms } from '../../images/index.ts';
import { containerName, dockerRunArgv, parseFarmPlatforms } from '../../scripts/platform-containers.ts';
import { machineDebianMirror } from '../../scripts/platform-images.ts';
import { localPlatform } from '../support/platform-farm.ts';

test('FARM_PLATFORMS unset or empty starts no container', () => {
  assert.equal(parseFarmPlatforms(undefined), []);
  assert.equal(parseFarmPlatforms(' , '), []);
});

test('all-local names every platform that builds without a registry, once', () => {
  const ids = parseFarmPlatforms('all-local,r-4-5-linux-x86_64-debian-13-gcc').map((platform) => platform.id);
  assert.equal(
    ids,
    locallyBuildablePlatforms().map((platform) => platform.id),
  );
  assert.ok(ids.length >= 3);
});

test('an unknown or non-Linux id is refused with the ids that would work', () => {
  for (const bad of ['r-9-9-linux-x86_64-debian-99-gcc', 'r-release-windows-x86_64']) {
    assert.throws(
      () => parseFarmPlatforms(bad),
      (error: Error) => error.name === 'UnknownLocalPlatformError' && error.message.includes(bad) && error.message.includes('r-4-2-linux-x86_64-debian-12-gcc'),
    );
  }
});

test('the Debian mirror is read from deb822 and one-line apt sources, security archives skipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-apt-'));
  mkdirSync(join(dir, 'sources.list.d'));
  writeFileSync(
    join(dir, 'sources.list.d', 'debian.sources'),
    'Types: deb\nURIs: http://mirror.example.org/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example.org/debian/\nSuites: bookworm\n',
  );
  assert.is(machineDebianMirror(dir), 'http://mirror.example.org/debian');
  const oneLine = mkdtempSync(join(tmpdir(), 'rfarm-apt-'));
  writeFileSync(join(oneLine, 'sources.list'), 'deb [signed-by=/x.gpg] http://ftp.de.debian.org/debian bookworm main\n');
  assert.is(machineDebianMirror(oneLine), 'http://ftp.de.debian.org/debian');
  assert.is(machineDebianMirror(mkdtempSync(join(tmpdir(), 'rfarm-apt-'))), 'http://deb.debian.org/debian');
});

test('an agent container runs on the host network with the sandbox flags, the checkout read-only and its own data directory', () => {
  const platform = localPlatform('r-4-5-linux-x86_64-debian-13-clang');
  const spec = {
    platform,
    image: 'rfarm-platform:test',
    agentEnv: { NATS_URL: 'nats://127.0.0.1:4222', FARM_DATA_DIR: '/host/.farm', FARM_METRICS_PORT: '9464', NATS_CREDS: '/host/.farm/agent.creds' },
    farmDataDir: '/host/.farm',
    workerId: 'w1',
  };
  const argv = dockerRunArgv(spec, '/host/.farm/containers/w1');
  const text = argv.join(' ');
  assert.match(text, '--network host');
  assert.match(text, SANDBOX_SECURITY_OPTIONS.join(' '));
  assert.match(text, '--user 10001:10001');
  assert.match(text, '--volume /host/.farm/containers/w1:/var/lib/rfarm ');
  assert.match(text, '--volume /host/.farm/agent.creds:/host/.farm/agent.creds:ro');
  assert.match(text, `FARM_PLATFORM=${platform.id}`);
  assert.match(text, 'FARM_DATA_DIR=/var/lib/rfarm');
  assert.match(text, 'FARM_INSTALL_SYSREQS=1');
  assert.not.match(text, 'FARM_DATA_DIR=/host/.farm', 'the host data directory is not the container’s');
  assert.not.match(text, 'FARM_METRICS_PORT', 'a metrics port would collide on the host network');
  assert.ok(argv.filter((arg) => arg.endsWith(':ro')).length >= 2, 'checkout and credentials read-only');
  assert.not.match(text, /--privileged|--cap-add/);
  assert.equal(argv.slice(-4), ['node', '--import', 'tsx', 'images/agent/main.ts']);
  assert.is.not(containerName(spec), containerName({ ...spec, farmDataDir: '/other/.farm' }), 'two farms never share a container name');
});

test.run();
