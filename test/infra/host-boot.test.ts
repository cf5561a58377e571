/**
 * What the stack's Linux droplets do when they boot, checked by doing it: the cloud-config a
 * builder renders is written to a directory standing for its root as cloud-init writes it, and a
 * process of the agent's user reads its credentials; the control plane's environment is read by
 * the control plane's own config. Defects the rehearsal (npm run rehearse) found.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../control-plane/config.ts';
import { AGENT_USER, findPlatform } from '../../images/index.ts';
import { controlPlaneEnvironment } from '../../infra/control-plane-environment.ts';
import { renderControlPlaneUserData } from '../../infra/user-data/services.ts';
import { renderLinuxBuilderUserData } from '../../infra/user-data/linux-builder.ts';
import { prepareDroplet } from '../../scripts/rehearsal/builder-host.ts';
import { parseCloudConfig, parseEnvFile } from '../../scripts/rehearsal/rendered-stack.ts';
import { testUnless } from '../support/skip.ts';

const tls = { ca: 'CA', cert: 'CERT', key: 'KEY' };
const environment = controlPlaneEnvironment({
  natsUrls: ['tls://nats-1-vpc.x:4222'],
  adminToken: 'a'.repeat(32),
  publicUrl: 'https://x',
  smtpUrl: 'smtp://u@h:587',
  smtpPassword: 'p',
  githubWebhookSecret: 's'.repeat(20),
  jetstreamReplicas: 1,
  rRepos: 'https://cloud.r-project.org',
});
const controlPlane = parseCloudConfig(
  renderControlPlaneUserData({
    stack: 'dev',
    role: 'control-plane',
    lokiUrl: 'https://logs',
    tls,
    sourceRepo: 'https://example.org/rfarm.git',
    sourceRef: 'main',
    controlPlaneEnv: environment,
    natsCreds: 'CREDS',
  }),
);

test('the control plane the stack configures listens on the address its load balancer reaches, not loopback', () => {
  const file = controlPlane.files.find((candidate) => candidate.path === '/etc/rfarm/control-plane.env')!;
  const config = loadConfig(parseEnvFile(file.content));
  assert.is.not(config.host, '127.0.0.1');
  assert.is(config.host, '0.0.0.0');
});

test('the control-plane droplet installs R, which publishing runs (Rscript tools::write_PACKAGES)', () => {
  const config = loadConfig(environment);
  assert.is(config.rscript, 'Rscript');
  assert.ok(controlPlane.packages.includes('r-base-core'), `packages: ${controlPlane.packages.join(' ')}`);
});

test('the control plane keeps its state outside the checkout it runs from', () => {
  const config = loadConfig(environment);
  assert.is(config.dataDir, '/var/lib/rfarm');
  assert.ok(controlPlane.commands.some((command) => command.includes('install -d') && command.includes('/var/lib/rfarm')));
});

const setpriv =
  spawnSync('setpriv', ['--version']).status === 0 && process.getuid?.() === 0
    ? undefined
    : 'needs root and setpriv (util-linux) to read a file as the agent user';
testUnless(setpriv, 'a Linux builder’s NATS credentials, written as cloud-init writes them, are readable by the agent’s user and no other', () => {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-droplet-'));
  chmodSync(root, 0o755);
  try {
    const userData = renderLinuxBuilderUserData({
      stack: 'dev',
      platform: findPlatform('r-release-linux-x86_64')!,
      image: 'reg/w:1',
      registryServer: 'reg',
      dockerConfigJson: '{}',
      natsCreds: 'CREDS-OF-THE-POOL',
      caPem: 'CA',
      lokiUrl: 'https://logs',
      agent: { natsUrls: ['tls://n:4222'], sysreqsUrl: 'https://s', rRepos: 'https://cloud.r-project.org' },
    });
    const host = { name: 'b1', role: 'builder', privateAddress: '10.0.0.1', loopback: '127.0.0.2', cloudConfig: parseCloudConfig(userData) };
    const records = prepareDroplet(host, root);
    for (const record of records) if (record.step.kind === 'run') assert.is(record.exitCode, 0, `${record.step.command}: ${record.output}`);
    const readAs = (uid: number) =>
      spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'cat', join(root, 'etc/rfarm/nats.creds')], { encoding: 'utf8' });
    const agent = readAs(AGENT_USER.uid);
    assert.is(agent.status, 0, agent.stderr);
    assert.is(agent.stdout, 'CREDS-OF-THE-POOL');
    assert.is.not(readAs(AGENT_USER.uid + 1).status, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
