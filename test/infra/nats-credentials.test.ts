/**
 * The cloud's NATS credentials (`npm run nats-credentials`) in the NATS config infra renders for
 * its nodes, run here: a real nats-server with that config (TLS, operator mode, preloaded
 * accounts) lets the control plane in, lets an agent pool do its work and refuses the rest.
 * Only the host's paths and ports are swapped for temporary ones.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator, Empty, type NatsConnection, type TlsOptions } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NATS_PATHS, renderNatsServerConfig } from '../../infra/nats/server-config.ts';
import { agentInboxPrefix, BUILDS_STREAM } from '../../protocol/index.ts';
import { newNatsKeys } from '../../scripts/nats-auth.ts';
import { freePort, natsServerBinary } from '../../scripts/nats-server.ts';
import { farmTls, stackNatsAuth } from '../../scripts/stack-credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-cloud-nats-'));
const platforms = ['r-release-linux-x86_64', 'r-devel-windows-x86_64'];
const auth = await stackNatsAuth(newNatsKeys(), 'dev', platforms);
const tls = farmTls(dir, 'dev', 'localhost');
const [port, monitorPort] = [await freePort(), await freePort()];
const paths = { cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem'), ca: join(dir, 'ca.pem'), store: join(dir, 'jetstream') };
const config = renderNatsServerConfig({ serverName: 'nats-1', clusterName: 'rfarm-dev-nats', routes: ['tls://nats-1:6222'], jetstreamMaxGb: 1 }, auth)
  .replace('listen: 0.0.0.0:4222', `listen: 127.0.0.1:${port}`)
  .replace('http: 127.0.0.1:8222', `http: 127.0.0.1:${monitorPort}`)
  .replaceAll(NATS_PATHS.cert, paths.cert)
  .replaceAll(NATS_PATHS.key, paths.key)
  .replaceAll(NATS_PATHS.ca, paths.ca)
  .replaceAll(NATS_PATHS.store, paths.store);
writeFileSync(join(dir, 'nats-server.conf'), config);
execFileSync(natsServerBinary(), ['-c', join(dir, 'nats-server.conf'), '-t'], { stdio: 'pipe' });
const server = spawn(natsServerBinary(), ['-c', join(dir, 'nats-server.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise<void>((resolve, reject) => {
  let log = '';
  server.stderr!.on('data', (chunk) => {
    log += chunk;
    if (/Server is ready/.test(log)) resolve();
  });
  server.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
});

test.after(() => {
  server.kill();
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
  const jsm = await controlPlane.jetstreamManager();
  await jsm.streams.add({ name: BUILDS_STREAM, subjects: ['rfarm.builds.>'] });
  const agent = await as(auth.agentCreds['r-release-linux-x86_64'], agentInboxPrefix('r-release-linux-x86_64'));
  const agentJsm = await agent.jetstreamManager();
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
  assert.ok(existsSync(paths.store));
});

test.run();
