/** `POST /resolve` with the source package: its configure and src/Makevars are read too. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { parseContentsIndexUse, type SysreqsServer } from '../../sysreqs/index.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';
import { startTestService } from './service-fixture.ts';

let service: SysreqsServer;
/** A service that also looks configure/Makevars names up in the contents index (SYSREQS_CONTENTS_INDEX=all). */
let everyUse: SysreqsServer;
test.before(async () => {
  service = await startTestService({ repository: false });
  everyUse = await startTestService({ repository: false, contentsIndex: parseContentsIndexUse('all') });
});
test.after(async () => {
  await service.close();
  await everyUse.close();
});

async function postSource(query: string, body: Buffer, to: SysreqsServer = service): Promise<{ status: number; body: any }> {
  const response = await fetch(`${to.url}/resolve?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(body),
  });
  return { status: response.status, body: await response.json() };
}

const quietPackage = packTarball({
  name: 'quietzmq',
  fields: { SystemRequirements: 'GNU make' },
  files: {
    ...documentedHello,
    configure: '#!/bin/sh\nPKG_CONFIG_NAME="libzmq"\nPKG_LIBS="-lzmq"\nsed -e "s|@libs@|$PKG_LIBS|" src/Makevars.in > src/Makevars\n',
    'src/Makevars.in': 'PKG_LIBS = @libs@ -lsodium\n',
    'src/Makevars.win': 'PKG_LIBS = -lws2_32 -lxml2\n',
  },
});

const unruledPackage = packTarball({
  name: 'quietyaml',
  fields: {},
  files: {
    ...documentedHello,
    configure: '#!/bin/sh\nPKG_LIBS="-lyaml -lm"\nsed -e "s|@libs@|$PKG_LIBS|" src/Makevars.in > src/Makevars\n',
    'src/Makevars.in': 'PKG_LIBS = @libs@\n',
    'src/loop.c': '#include <R.h>\n#include <uv.h>\n#include "bundled.h"\n#ifdef _WIN32\n#include <windows.h>\n#endif\n/*\n#include <gsl/gsl_math.h>\n*/\n',
    'src/bundled.h': '#include <bundled/inner.h>\n#include "parser.hpp"\n',
    'src/bundled/inner.h': '',
    'inst/include/parser/parser.hpp': '#include <toml++/toml.h>\n',
    'inst/include/vendored/ipopt.hpp': '#include <coin/IpTNLP.hpp>\n',
    'src/win/io.c': '#include <io.h>\n',
  },
});

test("headers no rule knows that compiled code includes are looked up in the platform's package contents index", async () => {
  const { status, body } = await postSource('platform=debian-12', unruledPackage);
  assert.is(status, 200, JSON.stringify(body));
  // By default a configure/Makevars name no rule knows (-lyaml) is not looked up; an unshipped include is.
  assert.equal(body.packages.sort(), ['libtomlplusplus-dev', 'libuv1-dev']);
  const uv = body.matched.find((entry: { rule: string }) => entry.rule === 'libuv');
  assert.is(uv.on, 'source code');
  assert.is(uv.text, 'src/loop.c:2: #include <uv.h>');
  const toml = body.matched.find((entry: { packages: string[] }) => entry.packages.includes('libtomlplusplus-dev'));
  assert.match(toml.reason, /debian-12 package contents/);
  // A header nothing compiled includes (a vendored interface) and code in a comment ask for nothing.
  assert.not.ok(JSON.stringify(body).includes('ipopt') || JSON.stringify(body).includes('gsl'));
  // Without a contents index (Ubuntu here) only rules answer.
  const ubuntu = await postSource('platform=ubuntu-24.04', unruledPackage);
  assert.equal(ubuntu.body.packages, ['libuv1-dev']);
});

test('with SYSREQS_CONTENTS_INDEX=all, configure/Makevars names no rule knows are looked up too', async () => {
  const { status, body } = await postSource('platform=debian-12', unruledPackage, everyUse);
  assert.is(status, 200, JSON.stringify(body));
  assert.equal(body.packages.sort(), ['libtomlplusplus-dev', 'libuv1-dev', 'libyaml-dev']);
  const yaml = body.matched.find((entry: { packages: string[] }) => entry.packages.includes('libyaml-dev'));
  assert.is(yaml.on, 'build files');
  assert.match(yaml.reason, /debian-12 package contents/);
});

test('a library only configure and src/Makevars.in name is found, with the line as the reason', async () => {
  const { status, body } = await postSource('platform=debian-12', quietPackage);
  assert.is(status, 200, JSON.stringify(body));
  assert.equal(body.packages.sort(), ['libsodium-dev', 'libzmq3-dev', 'make']);
  const zmq = body.matched.find((entry: { rule: string }) => entry.rule === 'zeromq');
  assert.is(zmq.on, 'build files');
  assert.is(zmq.text, 'configure:2: PKG_CONFIG_NAME="libzmq"');
  const sodium = body.matched.find((entry: { rule: string }) => entry.rule === 'libsodium');
  assert.is(sodium.text, 'src/Makevars.in:1: PKG_LIBS = @libs@ -lsodium');
  // With the Depends closure on: libzmq3-dev depends on libsodium-dev on Debian 12, so it is reported covered, not listed.
  const closed = await postSource('platform=debian-12', quietPackage, everyUse);
  assert.equal(closed.body.packages.sort(), ['libzmq3-dev', 'make']);
  assert.is(closed.body.matched.find((entry: { rule: string }) => entry.rule === 'libsodium').covered_by, 'debian-12:libzmq3-dev');
  const ubuntu = await postSource('platform=ubuntu-24.04', quietPackage);
  assert.equal(ubuntu.body.packages.sort(), ['libsodium-dev', 'libzmq3-dev', 'make']);
});

test('the Windows-only Makevars.win is not read for Linux', async () => {
  const { body } = await postSource('platform=debian-12', quietPackage);
  assert.not.ok(body.packages.includes('libxml2-dev'));
});

test('a body that is not a gzip tar archive is a 400 saying so', async () => {
  const notGzip = await postSource('platform=debian-12', Buffer.from('Package: x\n'));
  assert.is(notGzip.status, 400);
  assert.is(notGzip.body.error.code, 'malformed_source');
  const noDescription = await postSource('platform=debian-12', gzipSync(Buffer.alloc(1024)));
  assert.is(noDescription.status, 400);
  assert.match(noDescription.body.error.message, /DESCRIPTION/);
});

test('a source package without a platform in the query is a 400 saying where it goes', async () => {
  const { status, body } = await postSource('', quietPackage);
  assert.is(status, 400);
  assert.match(body.error.message, /\?platform=debian-12/);
});

test.run();
