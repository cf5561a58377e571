/** The service as the local farm starts it: no repository index, asked about the farm's own platform. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SysreqsServer } from '../../sysreqs/index.ts';
import { postJson, startTestService } from './service-fixture.ts';

const LIVE_PLATFORM = 'r-patched-linux-x86_64-debian-12-gcc';
let service: SysreqsServer;
test.before(async () => {
  service = await startTestService({ repository: false });
});
test.after(async () => {
  await service.close();
});

test('a package no rule names answers nothing needed, with a note saying why', async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'debian-12', packages: ['ggplot2'] });
  assert.is(status, 200, JSON.stringify(body));
  assert.equal(body.packages, []);
  assert.equal(body.install_scripts, []);
  assert.is(body.unmatched.length, 1);
  assert.is(body.unmatched[0].package, 'ggplot2');
  assert.match(body.unmatched[0].reason, /no repository index/);
});

test('a package a rule names still gets its library without an index', async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, { platform: 'debian-12', packages: ['ggplot2', 'xml2'] });
  assert.is(status, 200);
  assert.equal(body.packages, ['libxml2-dev']);
});

test('the Posit GET route answers a package no rule names with no requirements', async () => {
  const response = await fetch(`${service.url}/__api__/repos/cran/sysreqs?pkgname=ggplot2&distribution=debian&release=12`);
  assert.is(response.status, 200);
  assert.equal((await response.json()).requirements, []);
});

test("the farm's own live platform id is accepted", async () => {
  const { status, body } = await postJson(`${service.url}/resolve`, {
    platform: LIVE_PLATFORM,
    description: 'Package: x\nVersion: 1\nSystemRequirements: libxml2\n',
  });
  assert.is(status, 200, JSON.stringify(body));
  assert.is(body.platform, 'debian-12');
  assert.equal(body.packages, ['libxml2-dev']);
});

test.run();
