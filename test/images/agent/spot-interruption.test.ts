/**
 * The agent's watch on EC2's Spot interruption notice, against a loopback server speaking the
 * IMDSv2 subset it uses (PUT /latest/api/token; GET /latest/meta-data/instance-life-cycle and
 * /latest/meta-data/spot/instance-action with the token, 404 until a notice), then a real agent in
 * the local farm: once the notice comes it finishes the build it runs and takes no other, which
 * another agent then runs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpotInterruptionWatch } from '../../../images/agent/spot-interruption.ts';
import { jobInfo, output, startTestFarm, submit, waitForJob } from '../../support/farm.ts';
import { packTarball, packages } from '../../support/r-packages.ts';
import { until } from '../../support/until.ts';

interface Imds {
  server: Server;
  url: string;
  lifeCycle: string;
  notice: string | null;
  tokens: Set<string>;
  /** Method and path of each request, and whether it carried a valid token. */
  requests: string[];
  close(): Promise<void>;
}

async function startImds(lifeCycle = 'spot'): Promise<Imds> {
  const state = { lifeCycle, notice: null, tokens: new Set<string>(), requests: [] as string[] } as unknown as Imds;
  let issued = 0;
  state.server = createServer((request, response) => {
    const token = String(request.headers['x-aws-ec2-metadata-token'] ?? '');
    const valid = state.tokens.has(token);
    state.requests.push(`${request.method} ${request.url}${valid ? ' (token)' : ''}`);
    if (request.method === 'PUT' && request.url === '/latest/api/token') {
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!(ttl >= 1 && ttl <= 21_600)) return void response.writeHead(400).end();
      const value = `token-${++issued}`;
      state.tokens.add(value);
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(value);
    }
    if (request.method !== 'GET') return void response.writeHead(405).end();
    if (!valid) return void response.writeHead(401).end();
    if (request.url === '/latest/meta-data/instance-life-cycle') return void response.writeHead(200, { 'content-type': 'text/plain' }).end(state.lifeCycle);
    if (request.url === '/latest/meta-data/spot/instance-action') {
      if (state.notice === null) return void response.writeHead(404, { 'content-type': 'text/html' }).end('<title>404 - Not Found</title>');
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(state.notice);
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => state.server.close(() => resolve()));
  return state;
}

const log = pino({ level: 'silent' });
const NOTICE = JSON.stringify({ action: 'terminate', time: '2026-12-02T12:02:00Z' });

test('no notice is none; a notice given later is seen within a poll, through a session token, and a revoked token is replaced', async () => {
  const imds = await startImds();
  try {
    const watch = await SpotInterruptionWatch.start({ imdsUrl: imds.url, intervalMs: 100, log });
    try {
      assert.is(watch.noticed, null);
      assert.equal(imds.requests.slice(0, 3), [
        'PUT /latest/api/token',
        'GET /latest/meta-data/instance-life-cycle (token)',
        'GET /latest/meta-data/spot/instance-action (token)',
      ]);
      imds.tokens.clear(); // as if the token had expired
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.ok(imds.requests.filter((line) => line === 'PUT /latest/api/token').length >= 2, 'a new token after a 401');
      imds.notice = NOTICE;
      await until('the notice seen', () => watch.noticed !== null, 3_000);
      assert.equal(watch.noticed, { action: 'terminate', time: '2026-12-02T12:02:00Z' });
      const looks = imds.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.is(imds.requests.length, looks, 'once seen, the notice stays and nothing more is asked');
    } finally {
      watch.stop();
    }
  } finally {
    await imds.close();
  }
});

test('a notice already given is known when the watch starts; an on-demand host does not watch; a metadata service away is not a notice', async () => {
  const imds = await startImds();
  try {
    imds.notice = NOTICE;
    const watch = await SpotInterruptionWatch.start({ imdsUrl: imds.url, intervalMs: 100, log });
    assert.is(watch.noticed?.action, 'terminate');
    watch.stop();
    imds.notice = null;
    imds.lifeCycle = 'on-demand';
    imds.requests.length = 0;
    const onDemand = await SpotInterruptionWatch.start({ imdsUrl: imds.url, intervalMs: 50, log });
    await new Promise((resolve) => setTimeout(resolve, 200));
    onDemand.stop();
    assert.not.ok(
      imds.requests.some((line) => line.includes('spot/instance-action')),
      imds.requests.join('\n'),
    );
  } finally {
    await imds.close();
  }
  const away = await SpotInterruptionWatch.start({ imdsUrl: imds.url, intervalMs: 50, log });
  await new Promise((resolve) => setTimeout(resolve, 150));
  away.stop();
  assert.is(away.noticed, null);
});

test('an agent given the notice finishes the build it runs and takes no other; the queue keeps it for another agent', async () => {
  const imds = await startImds();
  const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_SPOT_NOTICE: 'imds', FARM_IMDS_URL: imds.url, FARM_SPOT_NOTICE_POLL_SECONDS: '1' } });
  try {
    const running = (await submit(farm, packTarball(packages.slow(12, 'spotslow')))).body.id;
    await until('the slow test started', async () => (await output(farm, running)).includes('Running ‘slow.R’'), 120_000);
    const before = imds.requests.length;
    imds.notice = NOTICE;
    await until('the agent looked after the notice', () => imds.requests.slice(before).some((line) => line.includes('spot/instance-action')), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waiting = (await submit(farm, packTarball(packages.ok('spotnext')))).body.id;
    const finished = await waitForJob(farm, running, 180_000);
    assert.is(finished.builds[0].status, 'DONE', 'the running build went on');
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const queued = (await jobInfo(farm, waiting)).builds[0];
    assert.is(queued.status, 'QUEUED', `the agent given the notice took it: ${JSON.stringify(queued)}`);
    farm.addAgent({ FARM_SPOT_NOTICE: '' });
    const served = await waitForJob(farm, waiting, 180_000);
    assert.is(served.builds[0].status, 'DONE', JSON.stringify(served.builds[0]));
    assert.is.not(served.builds[0].worker.id, finished.builds[0].worker.id, 'another agent ran it');
  } finally {
    await farm.cleanup();
    await imds.close();
  }
});

test.run();
