import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testUnless } from '../support/skip.ts';
import { parse } from 'yaml';
import { findPlatform } from '../../images/index.ts';
import { smtpUrlWithPassword } from '../../infra/control-plane-environment.ts';
import { inboundRules, type FirewallContext } from '../../infra/digitalocean/firewall-rules.ts';
import { farmDashboard } from '../../infra/monitoring/farm-dashboard.ts';
import { renderPrometheusConfig } from '../../infra/monitoring/prometheus-config.ts';
import { renderNatsServerConfig } from '../../infra/nats/server-config.ts';
import { platformsStartedBy } from '../../infra/user-data/agent-environment.ts';
import { decodeGuestEnvironment, renderGuestInfo } from '../../infra/user-data/guestinfo.ts';
import { renderLinuxBuilderUserData } from '../../infra/user-data/linux-builder.ts';
import { renderMacHostUserData } from '../../infra/user-data/mac-host.ts';
import { renderWindowsBuilderUserData } from '../../infra/user-data/windows-builder.ts';

const agent = { natsUrls: ['tls://nats-1.x:4222', 'tls://nats-2.x:4222'], sysreqsUrl: 'https://sysreqs.x', rRepos: 'https://cloud.r-project.org' };
const linux = findPlatform('r-release-linux-x86_64')!;

test('Linux builder user-data is valid cloud-config that runs the platform’s image with its agent environment', () => {
  const userData = renderLinuxBuilderUserData({
    stack: 'dev',
    platform: linux,
    image: 'reg/worker-r-release-linux-x86_64:abc',
    registryServer: 'reg',
    dockerConfigJson: '{}',
    natsCreds: 'CREDS',
    caPem: 'CA',
    lokiUrl: 'https://logs',
    agent,
  });
  assert.ok(userData.startsWith('#cloud-config\n'));
  const document = parse(userData);
  const envFile = document.write_files.find((file: any) => file.path === '/etc/rfarm/rfarm-agent-1.env').content;
  assert.match(envFile, 'NATS_URL=tls://nats-1.x:4222,tls://nats-2.x:4222');
  assert.match(envFile, 'NATS_CREDS=/etc/rfarm/nats.creds');
  assert.match(envFile, 'FARM_INSTALL_SYSREQS=1');
  assert.equal(platformsStartedBy(userData), ['r-release-linux-x86_64']);
  assert.is(document.write_files.find((file: any) => file.path === '/etc/rfarm/nats.creds').permissions, '0600');
});

test('platformsStartedBy tells apart platform ids that are prefixes of each other', () => {
  assert.equal(platformsStartedBy('FARM_PLATFORM=r-release-linux-x86_64-ubuntu-gcc\n'), ['r-release-linux-x86_64-ubuntu-gcc']);
});

test('Windows user-data wraps the provisioning script and passes the platform’s R flavour and version', () => {
  const platform = findPlatform('r-devel-windows-x86_64')!;
  const userData = renderWindowsBuilderUserData({
    stack: 'dev',
    platform,
    provisionScript: 'param($Platform)',
    rtools: '45',
    sourceRepo: 'r',
    sourceRef: 'main',
    credsParameter: '/p',
    region: 'us-east-1',
    caPem: 'CA',
    lokiUrl: 'l',
    remoteWriteUrl: 'w',
    agent,
  });
  assert.match(userData, /^<powershell>/);
  assert.match(userData, "-RFlavour 'devel' -RVersion 'devel' -Rtools '45'");
  assert.equal(platformsStartedBy(userData), [platform.id]);
  // The credentials are fetched from SSM by the instance role; user-data names only the parameter.
  assert.match(userData, "-CredsParameter '/p'");
  assert.not.match(userData, 'NKEY SEED');
  // Spot hosts: the agent watches for EC2's interruption notice (images/agent/spot-interruption.ts).
  assert.match(userData, "FARM_SPOT_NOTICE = 'imds'");
});

test('guestinfo carries the environment base64-encoded and the platform in clear', () => {
  const platform = findPlatform('r-release-macos-x86_64')!;
  const extraConfig = renderGuestInfo({
    stack: 'prod',
    platform,
    natsCreds: 'CREDS',
    caPem: 'CA',
    sourceRepo: 'r',
    sourceRef: 'main',
    lokiUrl: 'l',
    remoteWriteUrl: 'w',
    agent,
  });
  assert.is(extraConfig['guestinfo.rfarm.platform'], platform.id);
  assert.equal(platformsStartedBy(decodeGuestEnvironment(extraConfig)), [platform.id]);
});

const macUserData = () =>
  renderMacHostUserData({
    stack: 'prod',
    platform: findPlatform('r-release-macos-arm64')!,
    caPem: 'CA',
    sourceRepo: 'https://example.org/rfarm.git',
    sourceRef: "it's-main",
    lokiUrl: 'l',
    remoteWriteUrl: 'w',
    agent,
    credsParameter: '/rfarm/prod/creds',
    region: 'us-east-1',
    rVersion: '4.5.2',
  });

test('EC2 Mac user data writes the agent environment, reads the NATS credentials from SSM and provisions from the checkout', () => {
  const userData = macUserData();
  assert.ok(userData.startsWith('#!/bin/bash\n'));
  const env = Buffer.from(/'([A-Za-z0-9+/=]+)' \| base64 -D > \/etc\/rfarm\/agent\.env/.exec(userData)![1], 'base64').toString('utf8');
  assert.equal(platformsStartedBy(env), ['r-release-macos-arm64']);
  assert.match(userData, "aws ssm get-parameter --region 'us-east-1' --name '/rfarm/prod/creds' --with-decryption");
  assert.match(userData, "/opt/rfarm/images/macos/provision.sh '4.5.2'");
  assert.not.match(userData, 'NKEY SEED');
  const syntax = spawnSync('bash', ['-n'], { input: userData });
  assert.is(syntax.status, 0, syntax.stderr.toString());
});

const shellcheck = spawnSync('shellcheck', ['--version']).status === 0 ? undefined : 'shellcheck is not installed (apt-get install shellcheck)';
testUnless(shellcheck, 'EC2 Mac user data passes shellcheck (quoting survives a ref with a quote in it)', () => {
  const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: macUserData() });
  assert.is(result.status, 0, result.stdout.toString());
});

test('NATS config clusters over TLS routes only when there is more than one node', () => {
  const auth = { operatorJwt: 'OP', systemAccount: 'SYS', accountJwts: { A: 'JWT' } };
  assert.match(
    renderNatsServerConfig({ serverName: 'n1', clusterName: 'c', routes: ['tls://a:6222', 'tls://b:6222', 'tls://c:6222'], jetstreamMaxGb: 45 }, auth),
    /cluster \{[\s\S]*tls:\/\/b:6222/,
  );
  assert.not.match(renderNatsServerConfig({ serverName: 'n1', clusterName: 'c', routes: ['tls://a:6222'], jetstreamMaxGb: 9 }, auth), 'cluster {');
});

test('firewall rules open SSH only with admin CIDRs and never to the world', () => {
  const context: FirewallContext = { stack: 'dev', vpcCidr: '10.60.0.0/20', adminCidrs: [], remoteAgentCidrs: ['192.0.2.1/32'], loadBalancerUids: ['lb'] };
  for (const role of ['builder', 'control-plane', 'nats', 'monitoring', 'logs'] as const) {
    const rules = inboundRules(role, context);
    assert.ok(rules.every((rule) => rule.portRange !== '22'));
    assert.ok(rules.every((rule) => !(rule.sourceAddresses ?? []).includes('0.0.0.0/0')));
  }
  assert.ok(inboundRules('nats', { ...context, adminCidrs: ['203.0.113.7/32'] }).some((rule) => rule.portRange === '22'));
  assert.ok(inboundRules('nats', context).some((rule) => rule.portRange === '4222' && rule.sourceAddresses?.includes('192.0.2.1/32')));
});

test('Prometheus scrapes every VPC node and labels agents with their platform', () => {
  const targets = {
    controlPlane: ['10.0.0.2'],
    nats: ['10.0.0.3'],
    monitoring: ['127.0.0.1'],
    logs: ['10.0.0.4'],
    builders: [{ address: '10.0.0.5', platformId: 'p' }],
  };
  const config = parse(renderPrometheusConfig('dev', { kind: 'static', targets }));
  const jobs = Object.fromEntries(config.scrape_configs.map((job: any) => [job.job_name, job]));
  assert.equal(jobs.agent.static_configs[0], { targets: ['10.0.0.5:9464'], labels: { platform: 'p', agent: '1' } });
  assert.is(jobs.node.static_configs[0].targets.length, 5);
});

test('in the cloud Prometheus finds each role’s droplets of its own stack by tag, at their private address', () => {
  const config = parse(renderPrometheusConfig('dev', { kind: 'digitalocean', tokenFile: '/etc/prometheus/digitalocean-token' }));
  const jobs = Object.fromEntries(config.scrape_configs.map((job: any) => [job.job_name, job]));
  assert.ok(!JSON.stringify(config).includes('static_configs'), 'no host is listed by address');
  const agent = jobs.agent;
  assert.equal(agent.digitalocean_sd_configs[0].authorization, { credentials_file: '/etc/prometheus/digitalocean-token' });
  const relabel = (tags: string, privateIp: string) => {
    // Apply the job's relabelling as Prometheus does (keep: full-match; replace: on match only).
    const labels: Record<string, string> = {
      __meta_digitalocean_tags: tags,
      __meta_digitalocean_private_ipv4: privateIp,
      __meta_digitalocean_droplet_name: 'd',
      __address__: '203.0.113.1:9464',
    };
    for (const rule of agent.relabel_configs) {
      const value = rule.source_labels.map((name: string) => labels[name] ?? '').join(';');
      const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(value);
      if (rule.action === 'keep') {
        if (!match) return undefined;
        continue;
      }
      if (match) labels[rule.target_label] = (rule.replacement ?? '$1').replace(/\$\{?(\d)\}?/g, (_: string, group: string) => match[Number(group)] ?? '');
    }
    return labels;
  };
  const builder = relabel(',rfarm,stack:dev,role:builder,rfarm-dev-builder,platform:r-release-linux-x86_64,', '10.60.0.7');
  assert.is(builder?.__address__, '10.60.0.7:9464');
  assert.is(builder?.platform, 'r-release-linux-x86_64');
  assert.is(relabel(',rfarm,stack:prod,role:builder,platform:p,', '10.70.0.7'), undefined, 'another stack’s builder is dropped');
  assert.is(relabel(',rfarm,stack:dev,role:nats,', '10.60.0.8'), undefined, 'a NATS node is not an agent');
});

test('the farm dashboard has panels on the Prometheus data source', () => {
  const dashboard = farmDashboard('dev') as { panels: { datasource: { uid: string } }[] };
  assert.ok(dashboard.panels.length >= 6 && dashboard.panels.every((panel) => panel.datasource.uid === 'prometheus'));
});

test('the SMTP password is URL-encoded into the URL', () => {
  assert.is(smtpUrlWithPassword('smtp://rfarm@smtp.example.org:587', 'p@ss/word'), 'smtp://rfarm:p%40ss%2Fword@smtp.example.org:587');
});

test.run();
