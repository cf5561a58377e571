/**
 * Sources whose bundled library was removed (Debian's `+dfsg` repacks; a user's own trimmed copy reads
 * the same): the library is found from the includes the compiled code is left with, with no rule
 * written from the package. Fixtures: real excerpts of the repacked sources (fixtures/unbundled/README.md).
 */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDescription, readSourceArchive, resolve, resolvePlatform, type Resolution } from '../../sysreqs/index.ts';
import { rulesWithout } from './cross-validation.ts';

const FIXTURES = new URL('./fixtures/unbundled/', import.meta.url).pathname;

/** The fixture folder packed as `tar czf` packs it, read as `POST /resolve` reads an upload, resolved by rules without its name-list entries. */
async function resolveUnbundled(name: string, platform = 'debian-12'): Promise<Resolution> {
  const tarball = execFileSync('tar', ['-czf', '-', name], { cwd: FIXTURES });
  const archive = await readSourceArchive(tarball);
  const record = { ...parseDescription(archive.description), buildFiles: archive.buildFiles, includes: archive.includes };
  return resolve(rulesWithout(new Set([name])), resolvePlatform(platform), [record]);
}

function matchedOn(resolution: Resolution, osPackage: string) {
  return resolution.matched.find((entry) => entry.packages.includes(osPackage) && !entry.covered_by);
}

test('an #include "…" the package does not ship is the system\'s: fs without its bundled libuv needs libuv1-dev', async () => {
  const resolution = await resolveUnbundled('fs');
  assert.ok(resolution.packages.includes('libuv1-dev'), JSON.stringify(resolution.packages));
  assert.match(matchedOn(resolution, 'libuv1-dev')?.text ?? '', /^src\/(?:dir\.cc|error\.h|utils\.h):\d+: #include "uv\.h"$/);
  // Its own quoted headers (error.h, utils.h, …) are shipped: no other library is asked for (make is its "GNU make").
  assert.equal(resolution.packages, ['make', 'libuv1-dev']);
});

test('a header-only library Debian ships as an architecture-independent package is found: RcppHNSW needs libhnswlib-dev', async () => {
  for (const platform of ['debian-12', 'debian-13']) {
    const resolution = await resolveUnbundled('RcppHNSW', platform);
    assert.equal(resolution.packages, ['libhnswlib-dev'], platform);
    assert.match(matchedOn(resolution, 'libhnswlib-dev')?.reason ?? '', /package contents/);
  }
});

test("a header in a folder of its library's name (-I/usr/include/hunspell) is found; a relative include is the package's own", async () => {
  const resolution = await resolveUnbundled('hunspell');
  assert.equal(resolution.packages, ['libhunspell-dev']);
  assert.match(matchedOn(resolution, 'libhunspell-dev')?.text ?? '', /#include <hunspell\.hxx>/);
  // "../hunspell/csutil.hxx" names the removed bundled folder, not a system header.
  assert.not.ok(JSON.stringify(resolution).includes('csutil'));
});

test("a LinkingTo package's headers are not looked up, other headers are: dqrng LinkingTo BH needs PCG, not Boost", async () => {
  const resolution = await resolveUnbundled('dqrng');
  assert.ok(resolution.packages.includes('libpcg-cpp-dev'), JSON.stringify(resolution.packages));
  assert.not.ok(
    resolution.packages.some((name) => name.startsWith('libboost')),
    `BH provides boost/: ${resolution.packages}`,
  );
});

test.run();
