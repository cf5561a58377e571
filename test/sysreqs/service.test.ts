import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SysreqsServer } from '../../sysreqs/index.ts';
import { FIXTURE_PACKAGE, postJson, startTestService } from './service-fixture.ts';

let service: SysreqsServer;
test.before(async () => {
  service = await startTestService();
});
test.after(async () => {
  await service.close();
});

test('GET /platforms lists every sysreqs platform with the catalogue platforms mapping to it', async () => {
  const body = await (await fetch(`${service.url}/platforms`)).json();
  const debian13 = body.platforms.find((platform: { id: string }) => platform.id === 'debian-13');
  assert.ok(debian13.catalogue_platforms.includes('r-devel-linux-x86_64-debian-gcc'));
  assert.ok(body.platforms.some((platform: { id: string }) => platform.id === 'debian-12'));
});

test('POST /resolve answers a DESCRIPTION with packages, scripts, reasons and unmatched text', async () => {
  const description = readFileSync(join(FIXTURE_PACKAGE, 'DESCRIPTION'), 'utf8');
  const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'debian-12', description });
  assert.is(status, 200);
  assert.is(body.platform, 'debian-12');
  assert.ok(body.packages.includes('libgit2-dev'));
  assert.equal(Object.keys(body), ['platform', 'packages', 'pre_install', 'install_scripts', 'post_install', 'matched', 'optional', 'unmatched']);
  assert.equal(
    body.unmatched.map((entry: { text: string }) => entry.text),
    ['a fast pony'],
  );
});

test('POST /resolve with recursive adds the dependencies from the repository index', async () => {
  const { body } = await postJson(`${service.url}/resolve`, { platform: 'r-release-linux-x86_64-ubuntu-gcc', packages: ['xlsx'], recursive: true });
  assert.is(body.platform, 'ubuntu-24.04');
  assert.equal(body.packages, ['default-jdk', 'make']);
  assert.equal(body.post_install, ['R CMD javareconf']);
  assert.is(body.matched[0].package, 'rJava');
});

test('an unknown platform is a 400 that lists the known ones', async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'beos-5', packages: ['xml2'] });
  assert.is(status, 400);
  assert.is(body.error.code, 'unknown_platform');
  assert.match(body.error.message, /debian-12/);
});

test('an unknown package is a 404 that names it', async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'debian-12', packages: ['xml2', 'nosuchpkg'] });
  assert.is(status, 404);
  assert.is(body.error.code, 'unknown_package');
  assert.match(body.error.message, /'nosuchpkg'/);
});

test('a malformed DESCRIPTION is a 400 that says what is wrong', async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'debian-12', description: 'Package: x\nnot a field\n' });
  assert.is(status, 400);
  assert.is(body.error.code, 'malformed_description');
  assert.match(body.error.message, /line 2/);
});

test('a body of the wrong shape is a 400 naming the problems', async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, { platfrom: 'debian-12' });
  assert.is(status, 400);
  assert.is(body.error.code, 'invalid_request');
  assert.match(body.error.message, /unknown field\(s\) platfrom/);
});

test('the Posit GET route answers requirements per package, each with a requirements object', async () => {
  const response = await fetch(`${service.url}/__api__/repos/1/sysreqs?all=false&pkgname=xml2&pkgname=curl&distribution=ubuntu&release=22.04`);
  const body = await response.json();
  assert.is(response.status, 200);
  assert.equal(
    body.requirements.map((entry: { name: string }) => entry.name),
    ['xml2', 'curl'],
  );
  for (const entry of body.requirements) assert.type(entry.requirements, 'object');
  assert.equal(body.requirements[0].requirements.install_scripts, ['apt-get install -y libxml2-dev']);
});

test('the Posit POST route reads a raw DESCRIPTION sent as form-encoded', async () => {
  const response = await fetch(`${service.url}/__api__/repos/1/sysreqs?distribution=ubuntu&release=20.04&suggests=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: readFileSync(join(FIXTURE_PACKAGE, 'DESCRIPTION')),
  });
  const body = await response.json();
  assert.is(response.status, 200);
  assert.is(body.name, 'mypkg');
  assert.equal(body.install_scripts, ['apt-get install -y libgit2-dev', 'apt-get install -y make']);
  const names = body.dependencies.map((entry: { name: string }) => entry.name);
  assert.ok(names.includes('xml2') && names.includes('curl') && names.includes('rJava'), names.join(' '));
});

test('Posit routes answer errors as { error: "<message>" }', async () => {
  const response = await fetch(`${service.url}/__api__/repos/1/sysreqs?pkgname=xml2&distribution=beos&release=5`);
  assert.is(response.status, 400);
  const body = await response.json();
  assert.type(body.error, 'string');
  assert.match(body.error, /known platforms/);
});

test('/healthz reports the rules and the repository; /metrics is Prometheus text', async () => {
  const health = await (await fetch(`${service.url}/healthz`)).json();
  assert.is(health.status, 'ok');
  assert.ok(health.repository.packages > 10);
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  assert.match(metrics, /sysreqs_resolutions_total/);
  assert.match(metrics, /sysreqs_http_request_duration_seconds_count/);
});

test('an unknown route is a catalogued 404', async () => {
  const response = await fetch(`${service.url}/nope`);
  assert.is(response.status, 404);
  assert.is((await response.json()).error.code, 'not_found');
});

test.run();
