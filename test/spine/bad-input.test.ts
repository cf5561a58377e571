/** Every bad upload gets its own clear 4xx and leaves no trace in JetStream or the data directory. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kvm } from '@nats-io/kv';
import { connectFarm, REVDEPS_BUCKET } from '../../protocol/index.ts';
import { startTestFarm } from '../support/farm.ts';
import { goodDescription, makeTar, makeTarGz, packageEntries } from '../control-plane/uploads/tarballs.ts';

const UPLOAD_LIMIT = 2 * 1024 * 1024;
const farm = await startTestFarm({ workers: 1, controlPlaneEnv: { FARM_UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT) } });
const nats = await connectFarm({ servers: farm.natsUrl.split(','), credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'bad-input-test' });

test.after(async () => {
  await nats.close();
  await farm.cleanup();
});

async function storedState(): Promise<{ keys: number; objects: number; builds: number }> {
  let keys = 0;
  for await (const _key of await nats.jobs.keys()) keys++;
  for await (const _key of await (await new Kvm(nats.js).open(REVDEPS_BUCKET)).keys()) keys++;
  const objects = (await nats.uploads.list()).length + (await nats.artifacts.list()).length;
  const buildsDir = join(farm.options.dataDir, 'builds');
  return { keys, objects, builds: existsSync(buildsDir) ? readdirSync(buildsDir).length : 0 };
}

async function put(body: Uint8Array, query = '', contentType = 'application/gzip') {
  const response = await fetch(`${farm.url}/jobs/submit/tarball${query}`, {
    method: 'PUT',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body),
  });
  const json = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: json.error?.code, message: json.error?.message };
}

const description = (text: string) => makeTarGz(packageEntries(text));
const cases: [string, () => Promise<{ status: number; code: string; message: string }>, number, string][] = [
  ['not gzip', async () => put(Buffer.from('just some text, not a package')), 400, 'not_gzip'],
  ['an empty file', async () => put(new Uint8Array(0)), 400, 'empty_upload'],
  ['an environment variable not allowed', async () => put(await makeTarGz(packageEntries()), '?env_vars=LD_PRELOAD%3D%2Ftmp%2Fx.so'), 400, 'env_not_allowed'],
  ['an environment variable without a value', async () => put(await makeTarGz(packageEntries()), '?env_vars=NOT_CRAN'), 400, 'invalid_request'],
  ['an e-mail address on a farm without SMTP', async () => put(await makeTarGz(packageEntries()), '?email=me%40example.org'), 400, 'mail_not_configured'],
  ['gzip but not tar', async () => put(gzipSync(randomBytes(5000))), 400, 'not_tar'],
  ['truncated gzip', async () => put((await makeTarGz(packageEntries())).subarray(0, 60)), 400, 'not_tar'],
  ['no top-level package directory', async () => put(gzipSync(await makeTar([{ name: 'DESCRIPTION', body: goodDescription }]))), 400, 'no_package_directory'],
  ['DESCRIPTION that is not DCF', async () => put(await description('Package: demo\nthis line is no field\nVersion: 1.0\n')), 400, 'invalid_description'],
  ['DESCRIPTION without Version', async () => put(await description('Package: demo\nTitle: x\n')), 400, 'invalid_description'],
  [
    'a package name R rejects',
    async () => put(await makeTarGz(packageEntries(goodDescription.replace('Package: demo', 'Package: 9demo'), '9demo'))),
    400,
    'invalid_package_name',
  ],
  ['a version R rejects', async () => put(await description(goodDescription.replace('Version: 0.1.0', 'Version: one'))), 400, 'invalid_package_version'],
  ['an entry with ..', async () => put(await makeTarGz([...packageEntries(), { name: 'demo/../../evil.R', body: 'x' }])), 400, 'unsafe_archive_entry'],
  ['an absolute path', async () => put(await makeTarGz([...packageEntries(), { name: '/etc/evil', body: 'x' }])), 400, 'unsafe_archive_entry'],
  [
    'a symbolic link',
    async () => put(await makeTarGz([...packageEntries(), { name: 'demo/link', type: 'symlink', linkname: '/etc/passwd' }])),
    400,
    'unsafe_archive_entry',
  ],
  [
    'a hard link',
    async () => put(await makeTarGz([...packageEntries(), { name: 'demo/hard', type: 'link', linkname: 'demo/DESCRIPTION' }])),
    400,
    'unsafe_archive_entry',
  ],
  [
    'a device file',
    async () => put(await makeTarGz([...packageEntries(), { name: 'demo/dev', type: 'character-device', devmajor: 1, devminor: 3 }])),
    400,
    'unsafe_archive_entry',
  ],
  ['over the size limit', async () => put(randomBytes(UPLOAD_LIMIT + 1)), 413, 'upload_too_large'],
  [
    'a decompression bomb',
    async () => put(await makeTarGz([...packageEntries(), { name: 'demo/zeros', body: Buffer.alloc(200 * 1024 * 1024) }])),
    413,
    'archive_too_large',
  ],
  ['an unknown platform', async () => put(await makeTarGz(packageEntries()), '?platform=no-such-platform'), 400, 'unknown_platform'],
  ['a check argument not allowed', async () => put(await makeTarGz(packageEntries()), '?check_args=--install-args%3D--evil'), 400, 'check_arg_not_allowed'],
  ['a JSON body', async () => put(Buffer.from('{}'), '', 'application/json'), 415, 'unsupported_media_type'],
  [
    'an unknown platform for the reverse dependencies',
    async () => put(await makeTarGz(packageEntries()), '?revdeps=true&revdeps_platform=no-such-platform'),
    400,
    'unknown_platform',
  ],
  ['a reverse-dependency option without revdeps=true', async () => put(await makeTarGz(packageEntries()), '?revdeps_which=most'), 400, 'invalid_request'],
  ['an unknown revdeps_which', async () => put(await makeTarGz(packageEntries()), '?revdeps=true&revdeps_which=all'), 400, 'invalid_request'],
];

const before = await storedState();
const seenMessages = new Set<string>();

for (const [name, send, status, code] of cases) {
  test(`${name} answers ${status} ${code} with a message`, async () => {
    const answer = await send();
    assert.is(answer.status, status, JSON.stringify(answer));
    assert.is(answer.code, code);
    assert.ok(answer.message.length > 20, answer.message);
    assert.not.ok(seenMessages.has(answer.message), `message reused: ${answer.message}`);
    seenMessages.add(answer.message);
  });
}

test('the unknown-platform message lists the valid platforms', async () => {
  const answer = await put(await makeTarGz(packageEntries()), '?platform=nope');
  assert.match(answer.message, /r-release-linux-x86_64/);
});

test('the unknown revdeps_platform message names the parameter and lists the valid platforms; the other says to add revdeps=true', async () => {
  const platform = await put(await makeTarGz(packageEntries()), '?revdeps=true&revdeps_platform=nope');
  assert.match(platform.message, /^revdeps_platform 'nope' is unknown; known platforms: .*r-release-linux-x86_64/);
  const alone = await put(await makeTarGz(packageEntries()), '?revdeps_platform=r-release-linux-x86_64');
  assert.match(alone.message, /add revdeps=true \(rfarm submit --revdeps\)$/);
});

test('an unknown job id, a short one and a malformed one all answer 404 "no job"', async () => {
  for (const id of ['0'.repeat(32), 'abc123', 'not-an-id']) {
    const answer = await fetch(`${farm.url}/jobs/info/${id}`);
    assert.is(answer.status, 404, id);
    const body = (await answer.json()) as any;
    assert.is(body.error.code, 'job_not_found');
    assert.match(body.error.message, new RegExp(`^no job with id '${id}'`));
  }
});

test('an empty file is called empty, not "not gzip"', async () => {
  assert.match((await put(new Uint8Array(0))).message, /^the upload is empty/);
});

test('POST to the submit route answers 405 and says to use PUT with the package as the body', async () => {
  const response = await fetch(`${farm.url}/jobs/submit/tarball`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(await makeTarGz(packageEntries())),
  });
  assert.is(response.status, 405);
  const body = (await response.json()) as any;
  assert.is(body.error.code, 'method_not_allowed');
  assert.match(body.error.message, /^\/jobs\/submit\/tarball does not take POST; use PUT with the package \.tar\.gz as the body/);
});

test('none of the bad uploads left anything in JetStream or the data directory', async () => {
  assert.equal(await storedState(), before);
});

test('reverse dependencies may be checked on any catalogue platform, named with revdeps_platform', async () => {
  const response = await fetch(`${farm.url}/jobs/submit/tarball?revdeps=true&revdeps_which=most&revdeps_platform=r-devel-windows-x86_64`, {
    method: 'PUT',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(await makeTarGz(packageEntries())),
  });
  assert.is(response.status, 202);
  const { id } = (await response.json()) as { id: string };
  const summary = (await (await fetch(`${farm.url}/jobs/${id}/cran-summary`)).json()) as any;
  assert.equal([summary.revdeps.platform, summary.revdeps.which], ['r-devel-windows-x86_64', 'most']);
  assert.is(summary.platforms[0].platform === 'r-devel-windows-x86_64', false, 'the job itself runs on the default platform');
  await fetch(`${farm.url}/jobs/${id}`, { method: 'DELETE' });
});

test.run();
