import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PLATFORMS, platformOfHost } from '../../images/index.ts';
import {
  DEFAULT_RULES_DIR,
  SYSREQS_PLATFORMS,
  findSysreqsPlatform,
  loadRuleDatabase,
  parseDescription,
  resolve,
  resolvePlatform,
  type SysreqsPlatform,
} from '../../sysreqs/index.ts';

const db = loadRuleDatabase(DEFAULT_RULES_DIR);
const record = (name: string) => parseDescription(`Package: ${name}\nVersion: 1.0\n`);

/** What a plausible answer for xml2, curl, sf and rJava contains, per family. */
const expected: Record<string, Record<string, RegExp>> = {
  deb: { xml2: /^libxml2-dev$/, curl: /^libcurl4-(openssl|gnutls)-dev$/, sf: /^libgdal-dev$/, rJava: /jdk/ },
  rpm: { xml2: /^libxml2-devel$/, curl: /^libcurl-devel$/, sf: /^gdal-devel$/, rJava: /^java-\d+-openjdk-devel$/ },
  opensuse: { xml2: /^libxml2-devel$/, curl: /^libcurl-devel$/, sf: /^gdal-devel$/, rJava: /openjdk-devel/ },
  alpine: { xml2: /^libxml2-dev$/, curl: /^curl-dev$/, sf: /^gdal-dev$/, rJava: /openjdk\d+-jdk/ },
  macos: { xml2: /^libxml2$/, curl: /^curl$/, sf: /^gdal$/, rJava: /^openjdk$/ },
  solaris: { xml2: /^CSWlibxml2-dev$/, curl: /^CSWlibcurl-dev$/, sf: /^CSWgdal-dev$/, rJava: /^CSWjdk/ },
};

function familyKey(platform: SysreqsPlatform): string {
  return platform.group ?? platform.family;
}

test('every catalogue platform maps to a sysreqs platform', () => {
  for (const platform of PLATFORMS) {
    assert.ok(
      findSysreqsPlatform(platform.sysreqs.name, platform.sysreqs.release),
      `${platform.id} (${platform.sysreqs.name} ${platform.sysreqs.release}) has no sysreqs platform`,
    );
    assert.is(resolvePlatform(platform.id).distribution, platform.sysreqs.name);
  }
});

test('a local host platform such as debian 12 resolves, as do distribution aliases', () => {
  assert.is(resolvePlatform('debian-12').id, 'debian-12');
  assert.is(resolvePlatform('debian-bookworm').id, 'debian-12');
  assert.is(findSysreqsPlatform('rockylinux', '9.3')?.id, 'rhel-9');
  assert.is(findSysreqsPlatform('centos', '8')?.id, 'rhel-8');
  assert.is(findSysreqsPlatform('sle', '15.5')?.id, 'opensuse-15');
  assert.throws(() => resolvePlatform('plan9-4'), /known platforms: debian-11/);
});

test("a local farm's own live platform id resolves to its distribution's rules", () => {
  const host = (distribution: string, release: string, machine = 'x86_64') =>
    platformOfHost({
      distribution,
      release,
      machine,
      rVersionLine: 'R version 4.2.2 Patched (2022-11-10 r83330) -- "Innocent and Trusting"',
      cc: 'gcc -std=gnu11',
    });
  const debian = host('debian', '12');
  assert.is(debian.id, 'r-patched-linux-x86_64-debian-12-gcc');
  assert.is(resolvePlatform(debian.id).id, 'debian-12');
  assert.is(resolvePlatform(host('ubuntu', '22.04', 'aarch64').id).id, 'ubuntu-22.04');
  assert.is(resolvePlatform(host('rocky', '9.3').id).id, 'rhel-9');
  assert.is(resolvePlatform(host('debian', 'testing').id).id, 'debian-13');
  assert.throws(() => resolvePlatform(host('plan9', '4').id), /unknown; known platforms/);
});

for (const family of Object.keys(expected)) {
  test(`${family} platforms resolve xml2, curl, sf and rJava to their OS packages`, () => {
    const platforms = SYSREQS_PLATFORMS.filter((platform) => familyKey(platform) === family);
    assert.ok(platforms.length > 0);
    for (const platform of platforms) {
      for (const [name, pattern] of Object.entries(expected[family])) {
        const resolution = resolve(db, platform, [record(name)]);
        assert.ok(
          resolution.packages.some((os) => pattern.test(os)),
          `${platform.id} ${name}: ${resolution.packages.join(' ')}`,
        );
        assert.ok(resolution.install_scripts.length > 0, `${platform.id} ${name}: no install script`);
      }
    }
  });
}

test('windows resolves xml2, curl and sf to Rtools and rJava to a JDK', () => {
  const windows = resolvePlatform('r-release-windows-x86_64');
  for (const name of ['xml2', 'curl', 'sf']) {
    const resolution = resolve(db, windows, [record(name)]);
    assert.ok(resolution.matched.length > 0 && resolution.matched.every((entry) => /Rtools/.test(entry.provided_by ?? '')), name);
  }
  const java = resolve(db, windows, [record('rJava')]);
  assert.equal(java.install_scripts, ['winget install --silent --accept-source-agreements --accept-package-agreements --id Microsoft.OpenJDK.21']);
});

test.run();
