/**
 * Runs Debian's r-cran-remotes (real R, via Rscript) against the service: remotes 2.4.2 only lets
 * some distributions through (ubuntu up to 20.04, centos/redhat 6-8, opensuse 15.0), so these use
 * ubuntu 20.04 and centos 8.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SysreqsServer } from '../../sysreqs/index.ts';
import { FIXTURE_PACKAGE, startTestService } from './service-fixture.ts';

const run = promisify(execFile);
let service: SysreqsServer;
test.before(async () => {
  service = await startTestService();
});
test.after(async () => {
  await service.close();
});

/** Evaluates an R expression returning a character vector; one element per output line. */
async function remotes(expression: string): Promise<string[]> {
  const { stdout } = await run('Rscript', ['--vanilla', '-e', `writeLines(${expression})`], {
    env: { ...process.env, RSPM_ROOT: service.url, RSPM_REPO_ID: '1' },
    timeout: 30_000,
  });
  return stdout.split('\n').filter(Boolean);
}

test('remotes::system_requirements gives the install commands for a package list', async () => {
  const commands = await remotes('remotes::system_requirements("ubuntu", "20.04", package = c("xml2", "curl"))');
  assert.equal(commands, ['apt-get install -y libxml2-dev', 'apt-get install -y libcurl4-openssl-dev']);
});

test('remotes::system_requirements gives the install commands for a DESCRIPTION and its dependencies', async () => {
  const commands = await remotes(`remotes::system_requirements("ubuntu-20.04", path = ${JSON.stringify(FIXTURE_PACKAGE)})`);
  assert.equal(commands, [
    'apt-get install -y libgit2-dev',
    'apt-get install -y make',
    'apt-get install -y libxml2-dev',
    'apt-get install -y libcurl4-openssl-dev',
    'apt-get install -y default-jdk',
  ]);
});

test('remotes::system_requirements puts repository set-up before the installs on centos 8', async () => {
  const commands = await remotes('remotes::system_requirements("centos", "8", package = "sf")');
  assert.equal(commands.slice(0, 3), [
    'dnf install -y dnf-plugins-core',
    'dnf config-manager --set-enabled powertools',
    'dnf install -y https://dl.fedoraproject.org/pub/epel/epel-release-latest-8.noarch.rpm',
  ]);
  for (const name of ['gdal-devel', 'geos-devel', 'proj-devel', 'udunits2-devel']) assert.ok(commands.includes(`dnf install -y ${name}`), name);
});

test('remotes::system_requirements stops with the service error for an unknown package', async () => {
  try {
    await remotes('remotes::system_requirements("ubuntu", "20.04", package = "nosuchpkg")');
    assert.unreachable('Rscript should fail');
  } catch (error) {
    assert.match(String((error as { stderr?: string }).stderr), /nosuchpkg/);
  }
});

test.run();
