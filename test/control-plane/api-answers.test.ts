/** Small API edges: malformed r-hub input is a 400, media types are case-insensitive, every listed artifact downloads, answers are not sniffed or cached. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';

const farm = await startTestFarm({ workers: 1 });
// R puts no limit on package names: this one's source tarball name is over 200 characters.
const longName = `a${'b'.repeat(189)}`;
const longJob = await submit(farm, packTarball(packages.ok(longName)));

test.after(() => farm.cleanup());

function assertNotSniffedOrStored(response: Response, what: string): void {
  assert.is(response.headers.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
  assert.is(response.headers.get('cache-control'), 'no-store', `${what}: Cache-Control`);
}

test('POST /api/check/validate_email with an object or a list as email is a 400 saying email must be a string', async () => {
  for (const email of [{ toString: 1 }, {}, ['a@example.org'], null, 7]) {
    const response = await fetch(`${farm.url}/api/check/validate_email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const body = (await response.json()) as { code: string; message: string };
    assert.is(response.status, 400, `${JSON.stringify(email)}: ${JSON.stringify(body)}`);
    assert.is(body.code, 'invalid_request');
    assert.match(body.message, /'email' must be a string/);
  }
});

test('the submit route refuses JSON, text and forms whatever the case of their Content-Type', async () => {
  for (const type of ['Application/JSON', 'TEXT/plain', ' Multipart/Form-Data; boundary=x']) {
    const response = await fetch(`${farm.url}/jobs/submit/tarball`, { method: 'PUT', headers: { 'content-type': type }, body: '{"package": "x"}' });
    const body = (await response.json()) as { error: { code: string } };
    assert.is(response.status, 415, `${type}: ${JSON.stringify(body)}`);
    assert.is(body.error.code, 'unsupported_media_type');
  }
});

test('every artifact a job lists downloads, long package names too, and is neither sniffed nor stored', async () => {
  assert.is(longJob.status, 202, JSON.stringify(longJob.body));
  const info = await waitForJob(farm, longJob.body.id);
  const artifacts = info.builds[0].artifacts as { name: string; size: number; url: string }[];
  assert.ok(
    artifacts.some((artifact) => artifact.name.length > 200),
    JSON.stringify(artifacts.map((artifact) => artifact.name)),
  );
  for (const artifact of artifacts) {
    const response = await fetch(artifact.url);
    assert.is(response.status, 200, `${artifact.name}: ${response.status} ${response.status === 200 ? '' : await response.text()}`);
    assert.is((await response.arrayBuffer()).byteLength, artifact.size, artifact.name);
    assertNotSniffedOrStored(response, artifact.name);
  }
});

test('job JSON and error answers are neither sniffed nor stored', async () => {
  const info = await fetch(`${farm.url}/jobs/info/${longJob.body.id}`);
  assert.is(info.status, 200);
  assertNotSniffedOrStored(info, 'job info');
  const missing = await fetch(`${farm.url}/jobs/info/${'0'.repeat(32)}`);
  assert.is(missing.status, 404);
  assertNotSniffedOrStored(missing, 'a 404');
});

test.run();
