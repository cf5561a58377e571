/** The rehearsal's decisions about a droplet's boot: which commands run here, and how a builder's docker run is adapted. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootStep } from '../../scripts/rehearsal/boot-commands.ts';
import { adaptedRunArgv } from '../../scripts/rehearsal/builder-host.ts';
import { bootGateway } from '../../scripts/rehearsal/gateway-host.ts';
import { linuxPoolsWithoutBuilder, parseCloudConfig, parseUnit, scaledBuilders, type RenderedHost } from '../../scripts/rehearsal/rendered-stack.ts';
import { renderControlPlaneUserData } from '../../infra/user-data/services.ts';
import { scaledPoolTag, scalerEnvironment } from '../../infra/scaler-environment.ts';
import { gatewayRouteCommands, renderNatGatewayUserData } from '../../infra/user-data/nat-gateway.ts';
import { agentContainerUnit, renderLinuxBuilderUserData } from '../../infra/user-data/linux-builder.ts';
import { findPlatform } from '../../images/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testUnless } from '../support/skip.ts';

/** A Linux builder's user data as the stacks render it, with placeholder values. */
function builderUserDataFor(stack: string, platformId: string, egressGateway?: string): string {
  return renderLinuxBuilderUserData({
    stack,
    platform: findPlatform(platformId)!,
    image: 'i',
    registryServer: 'r',
    dockerConfigJson: '{}',
    natsCreds: 'c',
    caPem: 'ca',
    lokiUrl: 'https://logs',
    agent: { natsUrls: ['tls://n:4222'], sysreqsUrl: 'https://s', rRepos: 'https://cloud.r-project.org' },
    ...(egressGateway ? { egressGateway } : {}),
  });
}

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
  const builder = parseCloudConfig(builderUserDataFor('dev', 'r-release-linux-x86_64', '10.60.0.5'));
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

test('prod’s scaled builders come from the control plane that runs the scaler, whichever order the droplets come in', () => {
  const platformId = 'r-release-linux-x86_64';
  const builderUserData = builderUserDataFor('prod', platformId);
  const env = scalerEnvironment({
    natsUrls: ['tls://nats-1-vpc.x:4222'],
    jetstreamReplicas: 3,
    digitalOceanToken: 'token',
    pools: [
      {
        platform: platformId,
        min: 0,
        max: 4,
        agentsPerHost: 2,
        backlogPerHost: 2,
        coolDownSeconds: 60,
        provider: 'digitalocean',
        tag: scaledPoolTag('prod', platformId),
        template: {
          region: 'nyc3',
          size: 's-4vcpu-8gb',
          image: 'debian-12-x64',
          userData: builderUserData,
          vpcUuid: 'vpc',
          sshKeys: [],
          tags: ['role:builder'],
        },
      },
    ],
  });
  const controlPlane = (index: number, withScaler: boolean): RenderedHost => ({
    name: `rfarm-prod-control-plane-${index}`,
    role: 'control-plane',
    privateAddress: `10.60.0.${index + 10}`,
    loopback: `127.0.0.${index + 1}`,
    cloudConfig: parseCloudConfig(
      renderControlPlaneUserData({
        stack: 'prod',
        role: 'control-plane',
        lokiUrl: 'https://logs',
        tls: { ca: 'ca', cert: 'cert', key: 'key' },
        sourceRepo: 'https://github.com/x/rfarm',
        sourceRef: 'main',
        controlPlaneEnv: { PORT: '8080' },
        natsCreds: 'c',
        ...(withScaler ? { scaler: { env, natsCreds: 's' } } : {}),
      }),
    ),
  });
  const outputs = { poolSizes: { [platformId]: { provider: 'digitalocean', max: 4 }, 'r-release-windows-x86_64': { provider: 'aws', max: 6 } } };
  // The order the mocks registered prod's droplets in on 2026-12-02: control-plane-2 (no scaler) first.
  for (const declared of [
    [controlPlane(2, false), controlPlane(1, true)],
    [controlPlane(1, true), controlPlane(2, false)],
  ]) {
    const scaled = scaledBuilders(declared, declared.length);
    assert.equal(
      scaled.map((host) => [host.role, host.platformId, host.scaled]),
      [['builder', platformId, true]],
    );
    assert.equal(scaled[0]!.cloudConfig, parseCloudConfig(builderUserData), 'made from the pool’s template');
    assert.equal(linuxPoolsWithoutBuilder({ outputs, hosts: [...declared, ...scaled] }), []);
  }
  assert.equal(linuxPoolsWithoutBuilder({ outputs, hosts: [controlPlane(2, false)] }), [platformId], 'a pool nothing stands in for is named');
  assert.throws(() => scaledBuilders([controlPlane(1, true), controlPlane(2, true)], 2), /two scalers would race/);
});

test.run();
