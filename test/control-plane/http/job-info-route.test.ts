/**
 * `GET /jobs/info/<id>` of a finished job is answered before Koa once its JSON is rendered
 * (control-plane/http/ready-answers.ts), served ahead of the routers for canonical ids
 * (control-plane/http/exact-route.ts) and by the job router for every other shape: all must answer
 * alike (to the byte), validate alike, and count in the request metrics under the route's path.
 */
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm, submit, waitForJob } from '../../support/farm.ts';
import { packTarball, packages } from '../../support/r-packages.ts';

const farm = await startTestFarm({ workers: 1 });
const submitted = await submit(farm, packTarball(packages.ok('inforoute')));

test.after(() => farm.cleanup());

/** The whole response to a GET of `path` as it came over the socket, its Date header left out (it moves). */
function rawGet(path: string): Promise<string> {
  const { hostname, port } = new URL(farm.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\nDate: [^\r]*/, ''),
      ),
    );
  });
}

/** The request count of the metrics' series for GET /jobs/info/:id with this status. */
async function countedInfoRequests(status: number): Promise<number> {
  const metrics = await (await fetch(`${farm.url}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith('rfarm_http_request_duration_seconds_count{') &&
        candidate.includes('route="/jobs/info/:id"') &&
        candidate.includes(`status="${status}"`) &&
        candidate.includes('method="GET"'),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('a finished job answers the same bytes and headers by its canonical path and by a percent-encoded one', async () => {
  assert.is(submitted.status, 202, JSON.stringify(submitted.body));
  const id: string = submitted.body.id;
  await waitForJob(farm, id);
  // '%' is not a hex digit: this path goes through the job router, which decodes it to the same id.
  const encoded = `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
  const answers = [];
  for (const path of [`/jobs/info/${id}`, `/jobs/info/${id}`, `/jobs/info/${encoded}`]) {
    const response = await fetch(`${farm.url}${path}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.is(response.status, 200, `${path}: ${bytes}`);
    assert.is(response.headers.get('content-type'), 'application/json; charset=utf-8', path);
    assert.is(response.headers.get('content-length'), String(bytes.length), path);
    assert.is(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.is(response.headers.get('cache-control'), 'no-store', path);
    answers.push(bytes);
  }
  assert.ok(answers[0].equals(answers[1]), 'the same answer twice');
  assert.ok(answers[0].equals(answers[2]), 'the same answer through the router');
  const info = JSON.parse(answers[0].toString('utf8'));
  assert.is(info.id, id);
  assert.is(info.status, 'DONE');
  // HEAD goes through the router: the same length, no body.
  const head = await fetch(`${farm.url}/jobs/info/${id}`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(head.headers.get('content-length'), String(answers[0].length));
  assert.is((await head.arrayBuffer()).byteLength, 0);
});

test('the answer ready in memory is the one Koa gives: status line, headers in order and body, byte for byte', async () => {
  const id: string = submitted.body.id;
  await waitForJob(farm, id);
  const encoded = `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
  // The router's answer renders the JSON; the canonical path's next answers are the ready ones.
  const routed = await rawGet(`/jobs/info/${encoded}`);
  const ready = [await rawGet(`/jobs/info/${id}`), await rawGet(`/jobs/info/${id}`)];
  assert.match(
    routed,
    /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json; charset=utf-8\r\nContent-Length: \d+\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n/,
  );
  assert.ok(routed.includes(`"id":"${id}"`), routed);
  assert.is(ready[0], routed);
  assert.is(ready[1], routed);
  // A query string goes to the app, whose validator refuses the unknown parameter.
  assert.match(await rawGet(`/jobs/info/${id}?x=1`), /^HTTP\/1\.1 400 /);
});

test('bad requests of the canonical shape get the catalogued errors, and other methods a 405 naming GET', async () => {
  const id: string = submitted.body.id;
  const unknownParameter = await fetch(`${farm.url}/jobs/info/${id}?platform=x`);
  const unknownBody = (await unknownParameter.json()) as { error: { code: string; message: string } };
  assert.is(unknownParameter.status, 400, JSON.stringify(unknownBody));
  assert.is(unknownBody.error.code, 'invalid_request');
  assert.match(unknownBody.error.message, /unknown parameter 'platform'; this route takes: id/);
  for (const missingId of ['0'.repeat(32), id.toUpperCase()]) {
    const missing = await fetch(`${farm.url}/jobs/info/${missingId}`);
    const body = (await missing.json()) as { error: { code: string } };
    assert.is(missing.status, 404, `${missingId}: ${JSON.stringify(body)}`);
    assert.is(body.error.code, 'job_not_found', missingId);
    assert.is(missing.headers.get('x-content-type-options'), 'nosniff');
  }
  const posted = await fetch(`${farm.url}/jobs/info/${id}`, { method: 'POST' });
  const postedBody = (await posted.json()) as { error: { code: string } };
  assert.is(posted.status, 405, JSON.stringify(postedBody));
  assert.is(postedBody.error.code, 'method_not_allowed');
  assert.match(posted.headers.get('allow') ?? '', /\bGET\b/);
});

test('requests served ahead of the routers count in the request metrics under the route path', async () => {
  const id: string = submitted.body.id;
  const [ok, missing] = [await countedInfoRequests(200), await countedInfoRequests(404)];
  for (let request = 0; request < 3; request++) await (await fetch(`${farm.url}/jobs/info/${id}`)).arrayBuffer();
  await (await fetch(`${farm.url}/jobs/info/${'1'.repeat(32)}`)).arrayBuffer();
  assert.is(await countedInfoRequests(200), ok + 3);
  assert.is(await countedInfoRequests(404), missing + 1);
});

test.run();
