/** The platform catalogue: complete, unique, safe ids; host detection reports a host honestly. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT,
  PLATFORMS,
  PLATFORM_ID_PATTERN,
  defaultPlatforms,
  findPlatform,
  platformOfHost,
  rFlavourOf,
} from '../../images/index.ts';

const CRAN_FLAVOURS = [
  'r-devel-linux-x86_64-debian-clang',
  'r-devel-linux-x86_64-debian-gcc',
  'r-devel-linux-x86_64-fedora-clang',
  'r-devel-linux-x86_64-fedora-gcc',
  'r-patched-linux-x86_64',
  'r-release-linux-x86_64',
  'r-devel-windows-x86_64',
  'r-release-windows-x86_64',
  'r-release-macos-arm64',
  'r-release-macos-x86_64',
  'r-patched-solaris-x86',
];

test('every CRAN flavour of the design is in the catalogue', () => {
  for (const id of CRAN_FLAVOURS) assert.ok(findPlatform(id), id);
});

test('Ubuntu LTS and Debian stable each have r-devel and r-release', () => {
  for (const name of ['ubuntu', 'debian']) {
    for (const flavour of ['devel', 'release']) {
      const found = PLATFORMS.find(
        (platform) => platform.distribution.name === name && platform.distribution.release !== 'testing' && platform.rFlavour === flavour,
      );
      assert.ok(found, `${name} ${flavour}`);
    }
  }
});

test('ids are unique and safe in NATS subjects, KV keys and URLs', () => {
  const ids = PLATFORMS.map((platform) => platform.id);
  assert.is(new Set(ids).size, ids.length);
  for (const id of ids) assert.ok(PLATFORM_ID_PATTERN.test(id) && !id.includes('.'), id);
});

test('each OS runs where the design says: Linux on DigitalOcean, Windows and Solaris on AWS, macOS x86_64 on vSphere, macOS arm64 on EC2 Mac', () => {
  const expected = { linux: 'digitalocean', windows: 'aws', solaris: 'aws', macos: 'vsphere' } as const;
  // `local` platforms are the local farm's containers (images/linux/Dockerfile): no cloud pool.
  for (const platform of PLATFORMS.filter((candidate) => candidate.provider !== 'local')) {
    // ESXi does not run on Apple silicon, and macOS runs only on Apple hardware.
    const where = platform.os === 'macos' && platform.arch === 'arm64' ? 'aws' : expected[platform.os];
    assert.is(platform.provider, where, platform.id);
  }
});

test("CRAN's Debian flavours check with CRAN's regular-check environment; other platforms stay bare", () => {
  for (const id of ['r-devel-linux-x86_64-debian-clang', 'r-devel-linux-x86_64-debian-gcc', 'r-patched-linux-x86_64', 'r-release-linux-x86_64']) {
    const env = findPlatform(id)!.checkEnvironment;
    assert.is(env, CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT, id);
  }
  assert.is(CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT._R_CHECK_FORCE_SUGGESTS_, 'false');
  assert.is(CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT._R_CHECK_CODETOOLS_PROFILE_, 'suppressPartialMatchArgs=false');
  for (const [name, value] of Object.entries(CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT)) {
    assert.ok(/^_R_CHECK_[A-Z0-9_]+_$/.test(name), name);
    assert.not.ok(/["'$\n]/.test(value), `${name}: Renviron quoting or expansion left in '${value}'`);
  }
  for (const platform of PLATFORMS.filter((candidate) => candidate.provider === 'local' || candidate.distribution.name === 'fedora')) {
    assert.is(platform.checkEnvironment, undefined, platform.id);
  }
});

test('there are default platforms', () => {
  assert.ok(defaultPlatforms().length > 0);
});

test('the flavour of R is read from R --version', () => {
  assert.is(rFlavourOf('R version 4.2.2 Patched (2022-11-10 r83330) -- "Innocent and Trusting"'), 'patched');
  assert.is(rFlavourOf('R Under development (unstable) (2026-11-01 r89000)'), 'devel');
  assert.is(rFlavourOf('R version 4.5.2 (2025-10-31) -- "[Not] Part in a Rumble"'), 'release');
});

test('a Debian 12 laptop is reported as itself, not as a CRAN flavour', () => {
  const platform = platformOfHost({
    distribution: 'debian',
    release: '12',
    machine: 'x86_64',
    rVersionLine: 'R version 4.2.2 Patched (2022-11-10 r83330)',
    cc: 'gcc',
  });
  assert.is(platform.id, 'r-patched-linux-x86_64-debian-12-gcc');
  assert.is(platform.provider, 'local');
  assert.equal(platform.sysreqs, { name: 'debian', release: '12' });
});

test('a host that matches a catalogue platform exactly is that platform', () => {
  const platform = platformOfHost({
    distribution: 'ubuntu',
    release: '24.04',
    machine: 'x86_64',
    rVersionLine: 'R version 4.5.2 (2025-10-31)',
    cc: 'gcc -std=gnu2x',
  });
  assert.is(platform.id, 'r-release-linux-x86_64-ubuntu-gcc');
});

test.run();
