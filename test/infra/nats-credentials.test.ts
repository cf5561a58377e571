/**
 * The cloud's NATS credentials (`npm run nats-credentials`) in the NATS config infra renders for
 * its nodes, run here: a real nats-server with that config (TLS, operator mode, preloaded
 * accounts) lets the control plane in, lets an agent pool do its work and refuses the rest.
 * Only the host's paths and ports are swapped for temporary ones.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, Empty, type NatsConnection, type TlsOptions } from '@nats-io/transport-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NATS_PATHS, renderNatsServerConfig } from '../../infra/nats/server-config.ts';
import { agentInboxPrefix, BUILDS_STREAM } from '../../protocol/index.ts';
import { newNatsKeys } from '../../scripts/nats-auth.ts';
import { freePort } from '../../scripts/free-port.ts';
import { natsServerBinary } from '../../scripts/nats-server.ts';
import { farmTls, stackNatsAuth } from '../../scripts/stack-credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-cloud-nats-'));
const platforms = ['r-release-linux-x86_64', 'r-devel-windows-x86_64'];
const auth = await stackNatsAuth(newNatsKeys(), 'dev', platforms);
const tls = farmTls(dir, 'dev', 'localhost');
const paths = { cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem'), ca: join(dir, 'ca.pem') };
const servers: ChildProcess[] = [];

interface RunningNode {
  readonly port: number;
  readonly monitorPort: number;
  readonly clusterPort: number;
}

/** Starts one nats-server from the config infra renders, with this test's paths and loopback ports. */
async function startNode(name: string, routes: readonly string[], tlsPaths = paths, clusterPort?: number): Promise<RunningNode> {
  const node = { port: await freePort(), monitorPort: await freePort(), clusterPort: clusterPort ?? (await freePort()) };
  const config = renderNatsServerConfig({ serverName: name, clusterName: 'rfarm-dev-nats', routes, jetstreamMaxGb: 1 }, auth)
    .replace('listen: 0.0.0.0:4222', `listen: 127.0.0.1:${node.port}`)
    .replace('listen: 0.0.0.0:6222', `listen: 127.0.0.1:${node.clusterPort}`)
    .replace('http: 127.0.0.1:8222', `http: 127.0.0.1:${node.monitorPort}`)
    .replaceAll(NATS_PATHS.cert, tlsPaths.cert)
    .replaceAll(NATS_PATHS.key, tlsPaths.key)
    .replaceAll(NATS_PATHS.ca, tlsPaths.ca)
    .replaceAll(NATS_PATHS.store, join(dir, `${name}-jetstream`));
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, config);
  execFileSync(natsServerBinary(), ['-c', file, '-t'], { stdio: 'pipe' });
  const server = spawn(natsServerBinary(), ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    let log = '';
    server.stderr!.on('data', (chunk) => {
      log += chunk;
      if (/Server is ready/.test(log)) resolve();
    });
    server.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
  server.stderr!.resume();
  return node;
}

async function routeCount(node: RunningNode): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${node.monitorPort}/routez`)).json()) as { num_routes: number }).num_routes;
}

const single = await startNode('nats-1', ['tls://nats-1:6222']);
const port = single.port;

test.after(() => {
  for (const server of servers) server.kill();
  rmSync(dir, { recursive: true, force: true });
});

function as(creds: string | null, inboxPrefix?: string): Promise<NatsConnection> {
  return connect({
    servers: [`tls://127.0.0.1:${port}`],
    reconnect: false,
    ...(inboxPrefix ? { inboxPrefix } : {}),
    // The certificate names *.localhost; the CA is checked, the host name is not.
    tls: { ca: tls.ca, checkServerIdentity: () => undefined } as TlsOptions,
    ...(creds ? { authenticator: credsAuthenticator(new TextEncoder().encode(creds)) } : {}),
  });
}

test('the command makes a CA, a certificate it signed for the domain, and keys only their owner reads', () => {
  execFileSync('openssl', ['verify', '-CAfile', paths.ca, paths.cert]);
  assert.match(execFileSync('openssl', ['x509', '-in', paths.cert, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }), /DNS:\*\.localhost/);
  for (const key of [paths.key, join(dir, 'ca-key.pem')]) assert.is(statSync(key).mode & 0o777, 0o600);
  assert.is(tls.key, readFileSync(paths.key, 'utf8'));
});

test('natsAuth holds one pool user per platform and the control plane’s user, and the config preloads both accounts', () => {
  assert.equal(Object.keys(auth.agentCreds).sort(), [...platforms].sort());
  assert.is(Object.keys(auth.accountJwts).length, 2);
  assert.ok(auth.accountJwts[auth.systemAccount]);
  for (const creds of [auth.controlPlaneCreds, ...Object.values(auth.agentCreds)]) assert.match(creds, /BEGIN NATS USER JWT[\s\S]*BEGIN USER NKEY SEED/);
});

test('the server refuses a client without credentials', async () => {
  try {
    await as(null);
    assert.unreachable('connected without credentials');
  } catch (error) {
    assert.match(String(error), /authorization/i);
  }
});

test('the control plane manages JetStream; an agent pool may not delete the builds stream', async () => {
  const controlPlane = await as(auth.controlPlaneCreds);
  const jsm = await jetstreamManager(controlPlane);
  await jsm.streams.add({ name: BUILDS_STREAM, subjects: ['rfarm.builds.>'] });
  const agent = await as(auth.agentCreds['r-release-linux-x86_64'], agentInboxPrefix('r-release-linux-x86_64'));
  const agentJsm = await jetstreamManager(agent);
  try {
    await agentJsm.streams.delete(BUILDS_STREAM);
    assert.unreachable('the agent deleted the stream');
  } catch (error) {
    assert.match(String(error), /permissions violation/i);
  }
  const refused = await agent.request('$JS.API.CONSUMER.CREATE.RFARM_BUILDS.agents-r-devel-windows-x86_64.rfarm.builds.r-devel-windows-x86_64', Empty).then(
    () => null,
    (error: Error) => error,
  );
  assert.match(String(refused), /permissions violation/i, 'an agent pool created another pool’s consumer');
  assert.is((await jsm.streams.info(BUILDS_STREAM)).config.name, BUILDS_STREAM);
  await agent.close();
  await controlPlane.close();
  assert.ok(existsSync(join(dir, 'nats-1-jetstream')));
});

// nats-server always requires and verifies route client certificates when the cluster has TLS.
test('cluster routes verify each other’s farm certificate: nodes with it join, a node with a certificate the farm did not sign does not', async () => {
  const [clusterA, clusterB] = [await freePort(), await freePort()];
  const routes = [`tls://localhost:${clusterA}`, `tls://localhost:${clusterB}`];
  const a = await startNode('nats-a', routes, paths, clusterA);
  const b = await startNode('nats-b', routes, paths, clusterB);
  const deadline = Date.now() + 15_000;
  while ((await routeCount(a)) < 1) {
    assert.ok(Date.now() < deadline, 'the two nodes did not route to each other');
    await new Promise((done) => setTimeout(done, 200));
  }
  const strangerDir = join(dir, 'stranger');
  mkdirSync(strangerDir);
  farmTls(strangerDir, 'other', 'localhost');
  // It trusts the farm's CA (so it would accept the farm's nodes) but holds a certificate the farm did not sign.
  const strangerPaths = { cert: join(strangerDir, 'server.pem'), key: join(strangerDir, 'server-key.pem'), ca: paths.ca };
  await startNode('nats-stranger', routes, strangerPaths);
  await new Promise((done) => setTimeout(done, 3_000));
  assert.is(await routeCount(a), 1, 'a node without the farm certificate joined');
  assert.is(await routeCount(b), 1, 'a node without the farm certificate joined');
});

test.run();
