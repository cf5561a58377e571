/** The rehearsal's decisions about a droplet's boot: which commands run here, and how a builder's docker run is adapted. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootStep } from '../../scripts/rehearsal/boot-commands.ts';
import { adaptedRunArgv } from '../../scripts/rehearsal/builder-host.ts';
import { bootGateway } from '../../scripts/rehearsal/gateway-host.ts';
import { parseCloudConfig, parseUnit } from '../../scripts/rehearsal/rendered-stack.ts';
import { gatewayRouteCommands, renderNatGatewayUserData } from '../../infra/user-data/nat-gateway.ts';
import { agentContainerUnit, renderLinuxBuilderUserData } from '../../infra/user-data/linux-builder.ts';
import { findPlatform } from '../../images/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testUnless } from '../support/skip.ts';

test('downloads, block volumes and the firewall are skipped with a reason; file commands run; units are started', () => {
  assert.is(bootStep('curl -fsSL https://github.com/nats-io/x.tar.gz | tar -xz -C /tmp').kind, 'skip');
  assert.is(bootStep('blkid /dev/disk/by-id/scsi-0DO_Volume_v || mkfs.ext4 -q /dev/disk/by-id/scsi-0DO_Volume_v').kind, 'skip');
  assert.is(bootStep('iptables -I DOCKER-USER -d 169.254.169.254 -j DROP').kind, 'skip');
  assert.is(bootStep('apt-get install -y grafana').kind, 'skip');
  assert.equal(bootStep('chown 10001:10001 /etc/rfarm/nats.creds'), { kind: 'run', command: 'chown 10001:10001 /etc/rfarm/nats.creds' });
  const start = bootStep('systemctl enable --now nats-server nats-exporter');
  assert.is(start.kind, 'start');
  assert.equal(start.kind === 'start' && start.units, ['nats-server', 'nats-exporter']);
});

test('a private droplet’s route through the VPC gateway is parsed from bootcmd and never run here (it names a private address)', () => {
  const builder = parseCloudConfig(
    renderLinuxBuilderUserData({
      stack: 'dev',
      platform: findPlatform('r-release-linux-x86_64')!,
      image: 'i',
      registryServer: 'r',
      dockerConfigJson: '{}',
      natsCreds: 'c',
      caPem: 'ca',
      lokiUrl: 'https://logs',
      agent: { natsUrls: ['tls://n:4222'], sysreqsUrl: 'https://s', rRepos: 'https://cloud.r-project.org' },
      egressGateway: '10.60.0.5',
    }),
  );
  assert.equal(builder.bootCommands, gatewayRouteCommands('10.60.0.5'));
  for (const command of builder.bootCommands) assert.is(bootStep(command).kind, 'skip', command);
});

testUnless(
  process.getuid?.() === 0 ? undefined : 'needs root for a network namespace',
  'the rehearsal boots the gateway’s cloud-config in a namespace of its own and sees forwarding and masquerading on',
  () => {
    const root = mkdtempSync(join(tmpdir(), 'rfarm-gateway-'));
    try {
      const host = {
        name: 'rfarm-dev-nat-1',
        role: 'nat',
        privateAddress: '10.60.0.5',
        loopback: '127.0.0.9',
        cloudConfig: parseCloudConfig(renderNatGatewayUserData({ privateCidrs: ['10.60.0.0/20'] })),
      };
      const row = bootGateway(host, root);
      assert.ok(row.held, row.detail);
      const broken = { ...host, cloudConfig: { ...host.cloudConfig, commands: host.cloudConfig.commands.filter((command) => !command.startsWith('sysctl')) } };
      assert.is(bootGateway(broken, root).held, false, 'without its sysctl line forwarding stays off, and the row says so');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test('a builder’s rendered docker run keeps its flags and user, with paths under the droplet root, the host network and the local image', () => {
  const image = 'registry.digitalocean.com/r/worker:abc';
  const argv = adaptedRunArgv(
    parseUnit(agentContainerUnit(image)).execStart,
    { image: 'rfarm-worker:local', rootDir: '/tmp/root', hosts: ['nats-1-vpc.x:127.0.0.2'], metricsPort: 9470 },
    'rehearsal-b1',
    image,
    'rfarm-dev-builder-p-1',
  );
  assert.is(argv[0], 'run');
  const line = argv.join(' ');
  assert.match(line, '--user 10001:10001');
  assert.match(line, '--security-opt seccomp=unconfined');
  assert.match(line, '--env-file /tmp/root/etc/rfarm/rfarm-agent-1.env');
  assert.match(line, '--env FARM_WORKER_ID=rfarm-dev-builder-p-1-agent-1', "systemd's %H becomes the droplet's name");
  assert.not.match(line, '--hostname', 'the host network has the host’s name');
  assert.not.match(line, '%H');
  assert.match(line, '-v /tmp/root/etc/rfarm:/etc/rfarm:ro');
  assert.match(line, '--name rehearsal-b1');
  assert.match(line, '--add-host nats-1-vpc.x:127.0.0.2 --network host --env FARM_METRICS_PORT=9470 rfarm-worker:local');
  assert.not.match(line, image);
  assert.not.match(line, '-p 9464');
});

test.run();
