import { test } from 'uvu';
import * as assert from 'uvu/assert';
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
import { renderWindowsBuilderUserData } from '../../infra/user-data/windows-builder.ts';

const agent = { natsUrls: ['tls://nats-1.x:4222', 'tls://nats-2.x:4222'], sysreqsUrl: 'https://sysreqs.x', rRepos: 'https://cloud.r-project.org' };
const linux = findPlatform('r-release-linux-x86_64')!;

test('Linux builder user-data is valid cloud-config that runs the platform’s image with its agent environment', () => {
  const userData = renderLinuxBuilderUserData({ stack: 'dev', platform: linux, image: 'reg/worker-r-release-linux-x86_64:abc', registryServer: 'reg', dockerConfigJson: '{}', natsCreds: 'CREDS', caPem: 'CA', lokiUrl: 'https://logs', agent });
  assert.ok(userData.startsWith('#cloud-config\n'));
  const document = parse(userData);
  const envFile = document.write_files.find((file: any) => file.path === '/etc/rfarm/agent.env').content;
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
  const userData = renderWindowsBuilderUserData({ stack: 'dev', platform, provisionScript: 'param($Platform)', rtools: '45', sourceRepo: 'r', sourceRef: 'main', credsParameter: '/p', region: 'us-east-1', caPem: 'CA', lokiUrl: 'l', remoteWriteUrl: 'w', agent });
  assert.match(userData, /^<powershell>/);
  assert.match(userData, "-RFlavour 'devel' -RVersion 'devel' -Rtools '45'");
  assert.equal(platformsStartedBy(userData), [platform.id]);
  // The credentials are fetched from SSM by the instance role; user-data names only the parameter.
  assert.match(userData, "-CredsParameter '/p'");
  assert.not.match(userData, 'NKEY SEED');
});

test('guestinfo carries the environment base64-encoded and the platform in clear', () => {
  const platform = findPlatform('r-release-macos-arm64')!;
  const extraConfig = renderGuestInfo({ stack: 'prod', platform, natsCreds: 'CREDS', caPem: 'CA', sourceRepo: 'r', sourceRef: 'main', lokiUrl: 'l', remoteWriteUrl: 'w', agent });
  assert.is(extraConfig['guestinfo.rfarm.platform'], platform.id);
  assert.equal(platformsStartedBy(decodeGuestEnvironment(extraConfig)), [platform.id]);
});

test('NATS config clusters over TLS routes only when there is more than one node', () => {
  const auth = { operatorJwt: 'OP', systemAccount: 'SYS', accountJwts: { A: 'JWT' } };
  assert.match(renderNatsServerConfig({ serverName: 'n1', clusterName: 'c', routes: ['tls://a:6222', 'tls://b:6222', 'tls://c:6222'], jetstreamMaxGb: 45 }, auth), /cluster \{[\s\S]*tls:\/\/b:6222/);
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
  const config = parse(renderPrometheusConfig('dev', { controlPlane: ['10.0.0.2'], nats: ['10.0.0.3'], monitoring: ['127.0.0.1'], logs: ['10.0.0.4'], builders: [{ address: '10.0.0.5', platformId: 'p' }] }));
  const jobs = Object.fromEntries(config.scrape_configs.map((job: any) => [job.job_name, job]));
  assert.equal(jobs.agent.static_configs[0], { targets: ['10.0.0.5:9464'], labels: { platform: 'p' } });
  assert.is(jobs.node.static_configs[0].targets.length, 5);
});

test('the farm dashboard has panels on the Prometheus data source', () => {
  const dashboard = farmDashboard('dev') as { panels: { datasource: { uid: string } }[] };
  assert.ok(dashboard.panels.length >= 6 && dashboard.panels.every((panel) => panel.datasource.uid === 'prometheus'));
});

test('the SMTP password is URL-encoded into the URL', () => {
  assert.is(smtpUrlWithPassword('smtp://rfarm@smtp.example.org:587', 'p@ss/word'), 'smtp://rfarm:p%40ss%2Fword@smtp.example.org:587');
});

test.run();
