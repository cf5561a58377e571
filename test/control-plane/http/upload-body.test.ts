/** Uploads are read as they stream in: bad ones are refused after their first bytes, and only so many are read at once. */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, objectNames, UPLOADS_BUCKET } from '../../../protocol/index.ts';
import { readObjectByName } from '../../../protocol/object-access.ts';
import { startTestFarm, submit } from '../../support/farm.ts';
import { processMemory, sendBody } from '../../support/raw-http.ts';
import { packTarball, packages } from '../../support/r-packages.ts';

const MB = 1024 * 1024;
const CONCURRENCY = 8;
const farm = await startTestFarm({
  workers: 0,
  controlPlaneEnv: { FARM_UPLOAD_CONCURRENCY: String(CONCURRENCY), FARM_UPLOAD_BUFFER_BYTES: String(4096 * MB) },
});
const pid = farm.controlPlane.child!.pid!;
const platform = ((await (await fetch(`${farm.url}/platforms`)).json()) as { id: string }[])[0].id;
const submitUrl = `${farm.url}/jobs/submit/tarball?platform=${platform}`;

const nats = await connectFarm({ servers: farm.natsUrl.split(','), credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'upload-body-test' });

test.after(async () => {
  await nats.close();
  await farm.cleanup();
});

/** PUTs `body` in `pieces` writes, with or without a Content-Length; resolves with the answer. */
function putInPieces(body: Buffer, pieces: number, declareLength: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/gzip', ...(declareLength ? { 'content-length': String(body.length) } : { 'transfer-encoding': 'chunked' }) };
    const req = request(submitUrl, { method: 'PUT', headers });
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    const size = Math.ceil(body.length / pieces);
    for (let offset = 0; offset < body.length; offset += size) req.write(body.subarray(offset, offset + size));
    req.end();
  });
}

test('concurrent large uploads that are not gzip are refused without the control plane holding them in memory', async () => {
  // 8 × 60 MB: read whole, as before, these took the control plane's resident memory up by far more than 150 MB.
  const body = Buffer.alloc(60 * MB, 'not a gzip archive ');
  const before = processMemory(pid);
  const answers = await Promise.all(Array.from({ length: CONCURRENCY }, () => sendBody(submitUrl, 'PUT', body, { 'content-type': 'application/gzip' })));
  const after = processMemory(pid);
  for (const answer of answers) {
    assert.is(answer.status, 400, answer.text);
    assert.is(JSON.parse(answer.text).error.code, 'not_gzip');
  }
  const grownMb = (after.peak - before.rss) / MB;
  assert.ok(grownMb < 150, `peak resident memory grew by ${grownMb.toFixed(0)} MB for ${CONCURRENCY} refused 60 MB uploads`);
});

test('more uploads at once than FARM_UPLOAD_CONCURRENCY: the extra one is answered 503 too_many_uploads with Retry-After', async () => {
  // Uploads that start like gzip and then stall hold their places.
  const held = Array.from({ length: CONCURRENCY }, () => {
    const req = request(submitUrl, { method: 'PUT', headers: { 'content-type': 'application/gzip', 'content-length': '100000' } });
    req.on('error', () => undefined);
    req.write(Buffer.from([0x1f, 0x8b, 0x08]));
    return req;
  });
  try {
    const deadline = Date.now() + 10_000;
    let answer = await sendBody(submitUrl, 'PUT', Buffer.from('x'), { 'content-type': 'application/gzip' });
    while (answer.status !== 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await sendBody(submitUrl, 'PUT', Buffer.from('x'), { 'content-type': 'application/gzip' });
    }
    assert.is(answer.status, 503, answer.text);
    assert.is(JSON.parse(answer.text).error.code, 'too_many_uploads');
    assert.is(answer.headers['retry-after'], '5');
  } finally {
    for (const req of held) req.destroy();
  }
  // Their places are freed when they go: a good package is accepted again.
  const deadline = Date.now() + 10_000;
  let accepted = await submit(farm, packTarball(packages.ok('afterbusy')), `platform=${platform}`);
  while (accepted.status === 503 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    accepted = await submit(farm, packTarball(packages.ok('afterbusy')), `platform=${platform}`);
  }
  assert.is(accepted.status, 202, JSON.stringify(accepted.body));
});

test('a package sent in chunks without a Content-Length is read whole and accepted', async () => {
  const tarball = packTarball(packages.ok('chunkedpkg'));
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(submitUrl, { method: 'PUT', headers: { 'content-type': 'application/gzip', 'transfer-encoding': 'chunked' } });
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    // One byte first: the gzip check must wait for the second.
    req.write(tarball.subarray(0, 1));
    setTimeout(() => req.end(tarball.subarray(1)), 100);
  });
  assert.is(answer.status, 202, answer.text);
  assert.is(JSON.parse(answer.text).status, 'QUEUED');
});

test('a 1 MB package, sent with and without a Content-Length, is stored byte for byte under the SHA-256 of what was sent', async () => {
  // Incompressible text, as in the bench: the object spans several store chunks and the body many socket reads.
  const noise = randomBytes(1_000_000).toString('base64');
  const tarball = packTarball({ ...packages.ok('storedpkg'), files: { ...packages.ok().files, 'inst/extdata/noise.txt': noise } });
  assert.ok(tarball.length > MB * 0.9, `the test package is ${tarball.length} bytes`);
  const digest = `SHA-256=${createHash('sha256').update(tarball).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;
  for (const declareLength of [true, false]) {
    const answer = await putInPieces(tarball, 37, declareLength);
    assert.is(answer.status, 202, answer.text);
    const name = objectNames.upload(JSON.parse(answer.text).id);
    const info = await nats.uploads.info(name);
    assert.is(info?.size, tarball.length);
    assert.is(info?.digest, digest, `stored with${declareLength ? '' : 'out'} a Content-Length`);
    const stored = await readObjectByName(nats.js, nats.jsm, UPLOADS_BUCKET, name);
    assert.ok(stored && Buffer.from(stored).equals(tarball), 'the stored object differs from the upload');
  }
});

test.run();
