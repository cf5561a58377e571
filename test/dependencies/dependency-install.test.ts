/**
 * Dependencies through the real farm: B is published into the farm's repository, A imports B.
 * A's first check installs B into the shared cache; the second finds it there; a dependency no
 * repository has ends the build ERROR; a check cannot write to the cache.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages, type PackageSpec } from '../support/r-packages.ts';
import { publish } from '../repository/publishing.ts';

const farm = await startTestFarm({ workers: 1 });
test.after(() => farm.cleanup());

function documented(name: string, usage: string): string {
  return `\\name{${name}}\n\\alias{${name}}\n\\title{${name}}\n\\usage{${usage}}\n\\arguments{\\item{x}{text}}\n\\value{text}\n\\description{Does ${name}.}\n\\examples{${name}("a")}\n`;
}

const bee: PackageSpec = {
  name: 'bdep',
  files: { NAMESPACE: 'export(shout)\n', 'R/shout.R': 'shout <- function(x) toupper(x)\n', 'man/shout.Rd': documented('shout', 'shout(x)') },
};
/** A package importing bdep, with a test that calls through it. */
function importer(name: string, tests: Record<string, string> = {}, imports = 'bdep'): PackageSpec {
  return {
    name,
    fields: { Imports: imports },
    files: {
      NAMESPACE: `export(greet)\nimportFrom(${imports.split(',')[0].trim()}, ${imports.startsWith('bdep') ? 'shout' : 'something'})\n`,
      'R/greet.R': 'greet <- function(x) shout(paste("hello", x))\n',
      'man/greet.Rd': documented('greet', 'greet(x)'),
      'tests/greet.R': `library(${name})\nstopifnot(greet("world") == "HELLO WORLD")\n`,
      ...tests,
    },
  };
}

/** Seconds the install step took, as its summary line says. */
function installSeconds(text: string): number {
  const match = />>> rfarm: dependencies ready in ([\d.]+) s/.exec(text);
  assert.ok(match, `no install summary in:\n${text.slice(0, 2000)}`);
  return Number(match[1]);
}

/** Every file under a directory with its size and modification time. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => {
      const stat = statSync(join(dir, name));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    })
    .sort();
}

let firstSeconds = 0;
let platform = '';

test('a package published with publish=true lands in the farm repository', async () => {
  const publications = await publish(farm, packTarball(bee));
  const paths = publications.builds[0].files.map((file: any) => file.path);
  assert.ok(paths.includes('src/contrib/bdep_0.1.0.tar.gz'), paths.join(', '));
  const index = await (await fetch(`${farm.url}/repo/src/contrib/PACKAGES`)).text();
  assert.match(index, /Package: bdep\nVersion: 0.1.0/);
});

test("A's check installs B from the farm's repository into the cache and ends OK", async () => {
  const { body } = await submit(farm, packTarball(importer('adep')));
  const build = (await waitForJob(farm, body.id)).builds[0];
  const text = await output(farm, body.id);
  assert.is(build.status, 'DONE', build.reason);
  assert.is(build.result.status, 'OK', `${JSON.stringify(build.result.items)}\n${text}`);
  assert.match(text, />>> rfarm: installing R dependencies \(Depends, Imports, LinkingTo, Suggests\)/);
  assert.match(text, /installed into the dependency cache: bdep 0\.1\.0 \(from http:\/\/127\.0\.0\.1:\d+\/repo\/src\/contrib\)/);
  firstSeconds = installSeconds(text);
  platform = build.platform;
});

test('a second check of A reuses the cache: nothing installed, a fraction of the time', async () => {
  const { body } = await submit(farm, packTarball(importer('adep')));
  const build = (await waitForJob(farm, body.id)).builds[0];
  const text = await output(farm, body.id);
  assert.is(build.result?.status, 'OK', text);
  assert.match(text, /already available: bdep 0\.1\.0 \(dependency cache\)/);
  assert.not.match(text, /installed into the dependency cache/);
  const seconds = installSeconds(text);
  assert.ok(seconds < firstSeconds / 3, `cached install step took ${seconds} s, the first ${firstSeconds} s`);
});

test('a package importing a package no repository has ends DONE / ERROR naming it and the repositories tried', async () => {
  const { body } = await submit(farm, packTarball(importer('misser', {}, 'nosuchpkg42')));
  const build = (await waitForJob(farm, body.id)).builds[0];
  assert.is(build.status, 'DONE', build.reason);
  assert.is(build.result.status, 'ERROR');
  const item = build.result.items.find((entry: any) => entry.severity === 'ERROR');
  assert.is(item.check, 'installing R dependencies');
  assert.match(item.text, /not available from any repository: nosuchpkg42/);
  assert.match(item.text, new RegExp(`repositories tried: ${farm.url.replace(/[./]/g, '\\$&')}/repo`));
  assert.match(
    item.text,
    /To fix: install it on this build host, publish it to the farm's repository \(rfarm submit --publish\), or add a repository that has it to the agents' FARM_R_REPOS/,
  );
});

test("the install step's protocol lines never reach the user's console output", async () => {
  const { body } = await submit(farm, packTarball(importer('protocolquiet', {}, 'nosuchpkg43')));
  await waitForJob(farm, body.id);
  const text = await output(farm, body.id);
  assert.match(text, /to install: nosuchpkg43/);
  assert.not.match(text, /^rfarm-/m, text);
});

test('a check cannot write to the cache: the test that tries fails and the cache is unchanged', async () => {
  const cache = join(farm.options.dataDir, 'dependency-cache', platform, 'R-4.2', 'library');
  const before = snapshot(cache);
  assert.ok(
    before.some((line) => line.startsWith('bdep')),
    before.join('\n'),
  );
  const writer = importer('cachewriter', {
    'tests/write-cache.R': [
      'lib <- dirname(system.file(package = "bdep"))',
      'cat("cache library:", lib, "\\n")',
      'writeLines("tampered", file.path(lib, "bdep", "DESCRIPTION"))',
      'dir.create(file.path(lib, "intruder"))',
      'cat("cache written\\n")',
      '',
    ].join('\n'),
  });
  const { body } = await submit(farm, packTarball(writer));
  const build = (await waitForJob(farm, body.id)).builds[0];
  const text = await output(farm, body.id);
  assert.is(build.result?.status, 'ERROR', text);
  assert.match(text, /cache library: \/rfarm\/dependencies/);
  assert.not.match(text, /cache written/);
  assert.match(text, /Read-only file system|cannot open/);
  assert.equal(snapshot(cache), before);
});

test('a missing Suggests is reported by R CMD check in its own words, an ERROR as in a bare check; _R_CHECK_FORCE_SUGGESTS_=false skips it', async () => {
  const spec = { name: 'suggester', fields: { Suggests: 'nosuchsuggest42' }, files: packages.ok('suggester').files };
  const plain = await submit(farm, packTarball(spec));
  const plainBuild = (await waitForJob(farm, plain.body.id)).builds[0];
  const plainText = await output(farm, plain.body.id);
  assert.match(plainText, /installing R dependencies \(Depends, Imports, LinkingTo, Suggests\)/);
  assert.match(plainText, /suggested but not available from any repository \(R CMD check will say so\): nosuchsuggest42/);
  assert.is(plainBuild.result?.status, 'ERROR', plainText);
  const item = plainBuild.result.items.find((entry: any) => entry.severity === 'ERROR');
  assert.is(item.check, 'checking package dependencies');
  assert.match(item.text, /Package suggested but not available: .nosuchsuggest42./);
  const relaxed = await submit(farm, packTarball(spec), 'env_vars=_R_CHECK_FORCE_SUGGESTS_%3Dfalse');
  assert.is(relaxed.status, 202, JSON.stringify(relaxed.body));
  const relaxedBuild = (await waitForJob(farm, relaxed.body.id)).builds[0];
  const relaxedText = await output(farm, relaxed.body.id);
  assert.match(relaxedText, /installing R dependencies \(Depends, Imports, LinkingTo\)\n/);
  assert.match(relaxedText, /check environment: _R_CHECK_FORCE_SUGGESTS_=false \(job\)/);
  assert.is.not(relaxedBuild.result?.status, 'ERROR', relaxedText);
});

test.run();
