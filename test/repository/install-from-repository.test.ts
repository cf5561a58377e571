/**
 * The farm's CRAN-like repository with real R: a published package installs from source and, on
 * the matching platform, as a binary; available.packages() lists it; what may not be published
 * is refused and said so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';
import { adminHeaders, publish, submitForPublishing, waitForPublication } from './publishing.ts';

const farm = await startTestFarm({ workers: 1 });
test.after(() => farm.cleanup());
const repo = `${farm.url}/repo`;

/** Runs R code; returns what it printed (stdout and stderr together). */
function r(code: string): string {
  return execFileSync('Rscript', ['-e', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, R_LIBS_USER: '' } }).toString();
}
function rWithErrors(code: string): string {
  return execFileSync('sh', ['-c', 'Rscript -e "$1" 2>&1', 'sh', code], { encoding: 'utf8' });
}

let published: any;

test('an empty repository is a valid one: available.packages() finds nothing and no error', async () => {
  const text = rWithErrors(`options(warn = 2); ap <- available.packages(repos = "${repo}"); cat("rows:", nrow(ap))`);
  assert.match(text, /rows: 0/);
  const windows = await fetch(`${repo}/bin/windows/contrib/4.5/PACKAGES`);
  assert.is(windows.status, 200);
});

test('a package with C code is published: its source into src/contrib, its binary into the Linux tree of its platform', async () => {
  published = await publish(farm, packTarball(packages.withC()));
  const paths: string[] = published.builds[0].files.map((file: any) => file.path);
  assert.ok(paths.includes('src/contrib/cpkg_0.1.0.tar.gz'), paths.join(', '));
  assert.ok(
    paths.some((path) => /^__linux__\/debian-12-x86_64\/4\.2\/src\/contrib\/cpkg_0\.1\.0\.tar\.gz$/.test(path)),
    paths.join(', '),
  );
});

test('available.packages() lists the published package', () => {
  const text = r(`ap <- available.packages(repos = "${repo}"); cat(ap["cpkg", "Version"], ap["cpkg", "NeedsCompilation"])`);
  assert.is(text, '0.1.0 yes');
});

test('install.packages() from /repo/ installs the package from source with real R', () => {
  const lib = mkdtempSync(join(tmpdir(), 'rfarm-lib-'));
  const text = rWithErrors(
    `install.packages("cpkg", repos = "${repo}", lib = "${lib}", type = "source"); library(cpkg, lib.loc = "${lib}"); cat("RESULT", add_one(41))`,
  );
  assert.match(text, /installing \*source\* package/);
  assert.match(text, /RESULT 42/);
});

test('install.packages() from the Linux binary tree installs the binary on the matching platform', () => {
  const binary: string = published.builds[0].files.map((file: any) => file.path).find((path: string) => path.startsWith('__linux__/'));
  const binaryRepo = `${repo}/${binary.replace(/\/src\/contrib\/[^/]+$/, '')}`;
  const lib = mkdtempSync(join(tmpdir(), 'rfarm-lib-'));
  const text = rWithErrors(`install.packages("cpkg", repos = "${binaryRepo}", lib = "${lib}"); library(cpkg, lib.loc = "${lib}"); cat("RESULT", add_one(1))`);
  assert.match(text, /installing \*binary\* package/);
  assert.not.match(text, /gcc/);
  assert.match(text, /RESULT 2/);
});

test('the same version from another job is refused, recorded, and the repository keeps the first', async () => {
  const before = await (await fetch(`${repo}/src/contrib/PACKAGES`)).text();
  const id = await submitForPublishing(farm, packTarball(packages.withC()));
  const publications = await waitForPublication(farm, id);
  assert.is(publications.builds[0].status, 'refused');
  assert.match(publications.builds[0].reason, /already in the farm's repository/);
  const again = await fetch(`${farm.url}/repository/publications/${id}`, { method: 'PUT', headers: adminHeaders(farm) });
  assert.is(again.status, 409);
  assert.is(((await again.json()) as any).error.code, 'already_published');
  assert.is(await (await fetch(`${repo}/src/contrib/PACKAGES`)).text(), before);
});

test('a check that ends WARNING is not published, and the publication says why', async () => {
  const id = await submitForPublishing(farm, packTarball(packages.warning()));
  const publications = await waitForPublication(farm, id);
  assert.is(publications.builds[0].status, 'refused');
  assert.match(publications.builds[0].reason, /check ended WARNING.*OK or NOTE/);
  assert.not.match(await (await fetch(`${repo}/src/contrib/PACKAGES`)).text(), /warnpkg/);
});

test('publishing by hand needs the admin token', async () => {
  const response = await fetch(`${farm.url}/repository/publications/${published.job_id}`, { method: 'PUT' });
  assert.is(response.status, 401);
});

test('a file the repository does not have is a 404 with a catalogued code; a path escaping the repository too', async () => {
  for (const path of ['src/contrib/nothere_1.0.tar.gz', 'src/contrib/../../etc/passwd', 'nowhere/PACKAGES']) {
    const response = await fetch(`${repo}/${path}`);
    assert.is(response.status, 404, path);
  }
  const body = (await (await fetch(`${repo}/src/contrib/nothere_1.0.tar.gz`)).json()) as any;
  assert.is(body.error.code, 'repository_file_not_found');
});

test.run();
