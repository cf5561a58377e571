/**
 * The r-hub 1.x client's requests, in its order (platforms, validate_email, submit, live log,
 * status, group status, list), against a real local farm with a real SMTP sink and real R checks.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openApiDocument } from '../../control-plane/http/openapi-validator.ts';
import { startTestFarm } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';
import { RHUB_HEADERS, followLivelog, rhubQuery, submitBody } from './rhub-client-replay.ts';
import { startSmtpSink } from './smtp-sink.ts';

const EMAIL = 'maintainer@example.org';
const RHUB_ID = /^okpkg_0\.1\.0\.tar\.gz-[0-9a-f]{32}$/;

const sink = await startSmtpSink();
const farm = await startTestFarm({ workers: 1, controlPlaneEnv: { FARM_SMTP_URL: sink.url, FARM_MAIL_FROM: 'rfarm <farm@example.org>' } });
await farm.waitForWorkers(1);
const server = farm.url;

// The host's own platform: a local farm's only platform with a worker.
const livePlatforms = (await (await fetch(`${server}/platforms`)).json()) as { id: string; live_workers: number }[];
const hostPlatform = livePlatforms.find((platform) => platform.live_workers > 0)!.id;

/** Asserts that `value` matches a schema of the OpenAPI document, so the spec says what the API answers. */
const ajv = new Ajv({ strict: false });
(addFormatsModule as unknown as (ajv: Ajv) => void)(ajv);
ajv.addSchema({ $id: 'spec', components: JSON.parse(JSON.stringify(openApiDocument.components).replaceAll('"#/components/', '"spec#/components/')) });
function assertSchema(name: string, value: unknown): void {
  const validate = ajv.getSchema(`spec#/components/schemas/${name}`)!;
  assert.ok(validate(value), `${name}: ${ajv.errorsText(validate.errors)}`);
}

/** validate_email(): the request, then the token from the mail, as the user would type it. */
async function validate(email: string): Promise<string> {
  const response = await rhubQuery(server, 'VALIDATE EMAIL', { data: { email } });
  assert.is(response.status, 200, JSON.stringify(response.body));
  const mail = await sink.next(email);
  const token = /^ {4}([0-9a-f]{32})$/m.exec(mail.text)?.[1];
  assert.ok(token, `no token in the mail:\n${mail.text}`);
  return token!;
}

const firstToken = await validate(EMAIL);
const secondToken = await validate(EMAIL);
const submitted = await rhubQuery(server, 'SUBMIT PACKAGE', {
  data: submitBody({
    email: EMAIL,
    token: secondToken,
    packageName: 'okpkg',
    version: '0.1.0',
    platforms: [hostPlatform],
    envVars: { _R_CHECK_FORCE_SUGGESTS_: 'false' },
    tarball: packTarball(packages.ok()),
  }),
});
const failing = await rhubQuery(server, 'SUBMIT PACKAGE', {
  data: submitBody({
    email: EMAIL,
    token: firstToken,
    packageName: 'failpkg',
    version: '0.1.0',
    platforms: [hostPlatform],
    tarball: packTarball(packages.failingTests()),
  }),
});
const checkId: string = submitted.body?.[hostPlatform]?.id;

test.after(async () => {
  await farm.cleanup();
  await sink.close();
});

test('the platform list has rfarm platforms, the live host and the old r-hub names, in r-hub format', async () => {
  const response = await rhubQuery(server, 'GET PLATFORMS');
  assert.is(response.status, 200);
  assert.match(response.contentType, /^application\/json/);
  const names = response.body.map((platform: any) => platform.name);
  for (const name of [
    hostPlatform,
    'r-devel-linux-x86_64-debian-gcc',
    'debian-gcc-release',
    'fedora-clang-devel',
    'ubuntu-gcc-release',
    'windows-x86_64-devel',
  ]) {
    assert.ok(names.includes(name), `${name} missing from ${names}`);
  }
  const fields = [
    'name',
    'description',
    'cran-name',
    'rversion',
    'os-type',
    'cpu-type',
    'os-info',
    'compilers',
    'docker-image',
    'sysreqs-platform',
    'categories',
    'node-labels',
    'queue',
  ];
  for (const platform of response.body) for (const field of fields) assert.ok(field in platform, `${platform.name} has no ${field}`);
  for (const platform of response.body) assertSchema('RhubPlatform', platform);
  const alias = response.body.find((platform: any) => platform.name === 'fedora-clang-devel');
  assert.is(alias['rfarm-platform'], 'r-devel-linux-x86_64-fedora-clang');
  assert.is(alias.rversion, 'r-devel');
});

test('validate_email mails a token from the farm address, and each request mails a new one', () => {
  const first = sink.messages.find((message) => message.text.includes(firstToken))!;
  assert.is(first.from, 'farm@example.org');
  assert.equal(first.to, [EMAIL]);
  assert.match(first.text, /rhub::validate_email\("maintainer@example\.org", "[0-9a-f]{32}"\)/);
  assert.is.not(firstToken, secondToken);
});

test('submit answers 201 keyed by platform with a 1.x id and a status URL', () => {
  assert.is(submitted.status, 201, JSON.stringify(submitted.body));
  const entry = submitted.body[hostPlatform];
  assert.is(entry.result, 'submitted');
  assert.is(entry.email, EMAIL);
  assert.match(entry.id, RHUB_ID);
  assert.match(entry['status-url'], new RegExp(`^${server}/status/[0-9a-f]{32}$`));
  assert.match(entry['log-url'], new RegExp(`^${server}/jobs/output/[0-9a-f]{32}\\?platform=${hostPlatform}$`));
  assertSchema('RhubSubmitted', entry);
});

test('the live log streams the check with r-hub section markers and ends with Finished', async () => {
  const { lines, pages } = await followLivelog(server, checkId);
  assert.ok(lines.includes('>>>>>===== Running R CMD check'), lines.join('\n'));
  assert.ok(
    lines.some((line) => /^Status: OK/.test(line)),
    lines.join('\n'),
  );
  assert.is(lines[lines.length - 1], 'Finished: SUCCESS');
  // Following page by page shows each line once: the same as reading it whole afterwards.
  const whole = await rhubQuery(server, 'LIVE LOG', { params: { id: checkId }, query: { start: 0 } });
  assert.equal(lines, whole.body.text);
  assert.is(whole.body.more, false);
  assert.ok(pages.every((page, index) => index === 0 || page.body.size >= pages[index - 1].body.size));
});

test('status answers a list in the order asked, with the 1.x fields of a finished ok check', async () => {
  const response = await rhubQuery(server, 'GET STATUS', { data: { id: [checkId] } });
  assert.is(response.status, 200, JSON.stringify(response.body));
  assert.is(response.body.length, 1);
  const status = response.body[0];
  assert.is(status.id, checkId);
  assert.is(status.status, 'ok');
  assert.is(status.package, 'okpkg');
  assert.is(status.version, '0.1.0');
  assert.is(status.email, EMAIL);
  assert.is(status.platform.name, hostPlatform);
  assert.ok(status.platform.rversion);
  assert.ok(!Number.isNaN(Date.parse(status.submitted)));
  assert.ok(!Number.isNaN(Date.parse(status.started)));
  assert.ok(status.build_time > 0);
  assert.ok(status.builder_machine);
  assert.equal(status.result, { status: 'ok', notes: [], warnings: [], errors: [] });
  assert.match(status.check_output, /Status: OK/);
  assert.is(status.preperror_log, null);
  assert.is(status.group, submitted.body[hostPlatform].group);
  assertSchema('RhubStatus', status);
});

test('GET /api/status/<id> answers the one document', async () => {
  const response = await fetch(`${server}/api/status/${checkId}`, { headers: RHUB_HEADERS });
  const status = await response.json();
  assert.is(status.id, checkId);
  assert.is(status.status, 'ok');
});

test('group status lists the checks of a submission', async () => {
  const group = submitted.body[hostPlatform].group;
  const response = await rhubQuery(server, 'GET GROUP STATUS', { params: { id: group } });
  assert.is(response.status, 200);
  assert.equal(
    response.body.map((status: any) => status.id),
    [checkId],
  );
});

test('a failing check is an error with the failure among the errors, and its log ends in FAILURE', async () => {
  const id = failing.body[hostPlatform].id;
  const { lines } = await followLivelog(server, id);
  assert.is(lines[lines.length - 1], 'Finished: FAILURE');
  const status = (await rhubQuery(server, 'GET STATUS', { data: { id: [id] } })).body[0];
  assert.is(status.status, 'error');
  assert.is(status.result.status, 'error');
  assert.ok(
    status.result.errors.some((text: string) => /deliberate test failure 7f3a/.test(text)),
    JSON.stringify(status.result),
  );
});

test('each submission is mailed its result when it ends, as r-hub did', async () => {
  await followLivelog(server, failing.body[hostPlatform].id);
  const subjects = sink.messages.filter((message) => /^Subject: rfarm: /m.test(message.raw)).map((message) => /^Subject: (.*)$/m.exec(message.raw)![1]);
  const deadline = Date.now() + 30_000;
  while (subjects.length < 2 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    subjects.splice(
      0,
      subjects.length,
      ...sink.messages.filter((message) => /^Subject: rfarm: /m.test(message.raw)).map((message) => /^Subject: (.*)$/m.exec(message.raw)![1]),
    );
  }
  assert.equal(subjects.sort(), ['rfarm: failpkg 0.1.0 ERROR', 'rfarm: okpkg 0.1.0 OK']);
});

test('list_my_checks: groups newest first, each a list of checks, with either token', async () => {
  for (const token of [firstToken, secondToken]) {
    const response = await rhubQuery(server, 'LIST BUILDS EMAIL', { params: { email: EMAIL, token } });
    assert.is(response.status, 200, JSON.stringify(response.body));
    assert.equal(
      response.body.map((group: any[]) => group.map((check) => check.package)),
      [['failpkg'], ['okpkg']],
    );
  }
  const byPackage = await rhubQuery(server, 'LIST BUILDS PACKAGE', { params: { email: EMAIL, package: 'okpkg', token: firstToken } });
  assert.equal(
    byPackage.body.map((group: any[]) => group.map((check) => check.id)),
    [[checkId]],
  );
  const none = await rhubQuery(server, 'LIST BUILDS PACKAGE', { params: { email: EMAIL, package: 'otherpkg', token: firstToken } });
  assert.equal(none.body, []);
});

test('an old r-hub name queues on its rfarm platform; cancelled, it reads aborted', async () => {
  const response = await rhubQuery(server, 'SUBMIT PACKAGE', {
    data: submitBody({
      email: EMAIL,
      token: firstToken,
      packageName: 'okpkg',
      version: '0.1.0',
      platforms: ['debian-gcc-release'],
      tarball: packTarball(packages.ok()),
    }),
  });
  assert.is(response.status, 201, JSON.stringify(response.body));
  const { id, group } = response.body['debian-gcc-release'];
  const created = (await rhubQuery(server, 'GET STATUS', { data: { id: [id] } })).body[0];
  assert.is(created.status, 'created');
  assert.is(created.platform.name, 'debian-gcc-release');
  assert.is(created.build_time, null);
  assert.is(created.result, null);
  const waiting = await rhubQuery(server, 'LIVE LOG', { params: { id }, query: { start: 0 } });
  assert.equal(waiting.body, { text: [], more: true, size: 0 });
  // 1.x has no cancel: rfarm's own API does it, and the r-hub view follows.
  const jobId = group.split('-').pop();
  assert.is((await fetch(`${server}/jobs/${jobId}`, { method: 'DELETE' })).status, 200);
  const aborted = (await rhubQuery(server, 'GET STATUS', { data: { id: [id] } })).body[0];
  assert.is(aborted.status, 'aborted');
  assert.ok(aborted.build_time > 0);
  assert.match(aborted.preperror_log, /CANCELLED/);
  const { lines } = await followLivelog(server, id, 20_000);
  assert.is(lines[lines.length - 1], 'Finished: ABORTED');
});

test('errors are JSON with a message the client shows', async () => {
  const wrongToken = await rhubQuery(server, 'LIST BUILDS EMAIL', { params: { email: EMAIL, token: 'abcdef0123456789' } });
  assert.is(wrongToken.status, 401);
  assert.match(wrongToken.contentType, /^application\/json/);
  assert.is(wrongToken.body.status, 'error');
  assertSchema('RhubError', wrongToken.body);
  assert.match(wrongToken.body.message, /token is not valid/);

  const tarball = packTarball(packages.ok());
  const stranger = await rhubQuery(server, 'SUBMIT PACKAGE', {
    data: submitBody({ email: 'stranger@example.org', token: 'abcdef0123456789', packageName: 'okpkg', version: '0.1.0', platforms: [hostPlatform], tarball }),
  });
  assert.is(stranger.status, 401);
  assert.match(stranger.body.message, /rhub::validate_email\("stranger@example\.org"\)/);

  const unknown = await rhubQuery(server, 'SUBMIT PACKAGE', {
    data: submitBody({ email: EMAIL, token: firstToken, packageName: 'okpkg', version: '0.1.0', platforms: ['windows-x86_64-oldrel'], tarball }),
  });
  assert.is(unknown.status, 400);
  assert.match(unknown.body.message, /platform 'windows-x86_64-oldrel' is unknown; known platforms: .*debian-gcc-release/);

  const env = await rhubQuery(server, 'SUBMIT PACKAGE', {
    data: submitBody({
      email: EMAIL,
      token: firstToken,
      packageName: 'okpkg',
      version: '0.1.0',
      platforms: [hostPlatform],
      envVars: { LD_PRELOAD: '/x.so' },
      tarball,
    }),
  });
  assert.is(env.status, 400);
  assert.match(env.body.message, /LD_PRELOAD/);

  const missing = await rhubQuery(server, 'GET STATUS', { data: { id: ['okpkg_0.1.0.tar.gz-00000000000000000000000000000000'] } });
  assert.is(missing.status, 404);
  assert.match(missing.body.message, /no r-hub check/);
});

test.run();
