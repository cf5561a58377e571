/**
 * Shared assertions for one stack run offline under mocks (infra/preview/declare-offline.ts):
 * stack-dev.test.ts and stack-prod.test.ts each call `stackSuite` in their own process, because
 * the program's module is cached once per process.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findPlatform, PLATFORMS } from '../../images/index.ts';
import * as policies from '../../infra/policy/policies.ts';
import { declareOffline, type OfflineRun } from '../../infra/preview/declare-offline.ts';
import type { DeclaredResource } from '../../infra/preview/offline-mocks.ts';
import { decodeGuestEnvironment } from '../../infra/user-data/guestinfo.ts';
import { platformsStartedBy } from '../../infra/user-data/agent-environment.ts';
import { parseCloudConfig } from '../../scripts/rehearsal/rendered-stack.ts';
import { loadConfig as loadScalerConfig } from '../../scaler/index.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What a stack must declare. */
export interface StackExpectations {
  readonly builderDroplets: number;
  readonly builderSize: string;
  readonly controlPlaneDroplets: number;
  readonly natsNodes: number;
  readonly jetstreamReplicas: number;
  readonly windowsDesired: Record<string, number>;
  /** Starting capacity of the Solaris KVM hosts' Auto Scaling group. */
  readonly solarisDesired: number;
  /** EC2 Mac builders (macOS arm64), one dedicated host each. */
  readonly macHosts: number;
  /** Registered site Mac minis (macOS arm64 with rfarm:macSite), one install command each. */
  readonly siteMacs: number;
  /** vSphere VMs (macOS x86_64). */
  readonly macVms: number;
  /** Agents each Linux droplet and each Windows host runs (infra/sizing.ts). */
  readonly agentsPerHost: { readonly linux: number; readonly windows: number };
}

const POOL_TYPES: Record<string, string[]> = {
  digitalocean: ['rfarm:digitalocean:LinuxBuilderPool'],
  // macOS arm64 is the catalogue's 'aws' platform; a stack with a site puts it on its Mac minis.
  aws: ['rfarm:aws:WindowsBuilderPool', 'rfarm:aws:SolarisHosts', 'rfarm:aws:MacHosts', 'rfarm:site:SiteMacHosts'],
  vsphere: ['rfarm:vsphere:BuilderVmPool'],
};

/** The agent environment an EC2 Mac's user data writes to /etc/rfarm/agent.env (base64 in the script). */
const decodeMacUserDataEnvironment = (userData: string) =>
  Buffer.from(/'([A-Za-z0-9+/=]+)' \| base64 -D > \/etc\/rfarm\/agent\.env/.exec(userData)?.[1] ?? '', 'base64').toString('utf8');
const ofType = (run: OfflineRun, type: string) => run.resources.filter((resource) => resource.type === type);
const platformTag = (droplet: DeclaredResource) => (droplet.inputs.tags as string[]).find((tag) => tag.startsWith('platform:'))?.slice('platform:'.length);

/** A Linux builder as the stack renders it: a declared droplet or a pool's template in the scaler's SCALER_POOLS. */
interface LinuxBuilder {
  readonly name: string;
  readonly platform: string;
  readonly userData: string;
  readonly tags: readonly string[];
  readonly secret: boolean;
}

/** Every Linux builder the stack renders: Pulumi's droplets (if any) and the template the scaler makes each pool's droplets from. */
export function linuxBuilders(run: OfflineRun): LinuxBuilder[] {
  const droplets = ofType(run, 'digitalocean:index/droplet:Droplet');
  const declared = droplets
    .filter((candidate) => (candidate.inputs.tags as string[]).includes('role:builder'))
    .map((droplet) => ({
      name: droplet.name,
      platform: platformTag(droplet) ?? '',
      userData: droplet.inputs.userData as string,
      tags: droplet.inputs.tags as string[],
      secret: droplet.secretInputs.includes('userData'),
    }));
  const controlPlane = droplets.find((droplet) => droplet.name === 'control-plane-1');
  const env = parseCloudConfig(controlPlane?.inputs.userData ?? '#cloud-config\n').files.find((file) => file.path === '/etc/rfarm/scaler.env');
  const scaled = env
    ? loadScalerConfig(
        Object.fromEntries(
          env.content
            .trim()
            .split('\n')
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        ),
      )
        .pools.filter((pool) => pool.provider === 'digitalocean')
        .map((pool) => ({
          name: `scaled template of ${pool.platform}`,
          platform: pool.platform,
          userData: pool.template.userData,
          tags: pool.template.tags ?? [],
          // The template lives in the scaler's 0600 environment file on the control plane, whose user-data is a secret.
          secret: controlPlane!.secretInputs.includes('userData'),
        }))
    : [];
  return [...declared, ...scaled];
}

/** Registers the tests of one stack; call `test.run()` after. */
export function stackSuite(stack: string, expected: StackExpectations): void {
  let run: OfflineRun;
  test.before(async () => {
    run = await declareOffline(repoRoot, stack);
  });

  test(`the ${stack} program declares resources (the module was not cached empty)`, () => {
    assert.ok(run.resources.length > 60, `only ${run.resources.length} resources declared`);
  });

  test('every platform of the catalogue has a pool on the provider the catalogue names', () => {
    for (const platform of PLATFORMS.filter((candidate) => candidate.provider !== 'local')) {
      const pools = run.resources.filter((resource) => POOL_TYPES[platform.provider].includes(resource.type) && resource.inputs.platform === platform.id);
      assert.is(pools.length, 1, `${platform.id} should have one ${platform.provider} pool`);
    }
  });

  test('Linux builder droplets have the stack’s count and size', () => {
    const builders = ofType(run, 'digitalocean:index/droplet:Droplet').filter((droplet) => (droplet.inputs.tags as string[]).includes('role:builder'));
    assert.is(builders.length, expected.builderDroplets);
    for (const builder of builders) assert.is(builder.inputs.size, expected.builderSize);
  });

  test('the control plane has its droplets behind HTTPS load balancers', () => {
    const droplets = ofType(run, 'digitalocean:index/droplet:Droplet').filter((droplet) => (droplet.inputs.tags as string[]).includes('role:control-plane'));
    assert.is(droplets.length, expected.controlPlaneDroplets);
    assert.is(ofType(run, 'digitalocean:index/loadBalancer:LoadBalancer').length, 2);
  });

  test('NATS has its nodes, a volume each, and JetStream replicas in the control plane environment', () => {
    const nodes = ofType(run, 'digitalocean:index/droplet:Droplet').filter((droplet) => (droplet.inputs.tags as string[]).includes('role:nats'));
    assert.is(nodes.length, expected.natsNodes);
    assert.is(
      ofType(run, 'digitalocean:index/volume:Volume').filter((volume) => (volume.inputs.tags as string[]).includes('role:nats')).length,
      expected.natsNodes,
    );
    const controlPlane = ofType(run, 'digitalocean:index/droplet:Droplet').find((droplet) => (droplet.inputs.tags as string[]).includes('role:control-plane'))!;
    assert.match(controlPlane.inputs.userData, `FARM_JETSTREAM_REPLICAS=${expected.jetstreamReplicas}`);
    for (const node of nodes)
      assert.is(node.inputs.userData.match(/nats-route|tls:\/\/nats-\d+-vpc[^:]*:6222/g)?.length ?? 0, expected.natsNodes > 1 ? expected.natsNodes : 0);
  });

  test('Windows pools, Solaris hosts and Mac VMs have the stack’s sizes', () => {
    const groups = ofType(run, 'aws:autoscaling/group:Group');
    for (const [platformId, desired] of Object.entries(expected.windowsDesired)) {
      const pool = groups.filter((candidate) => candidate.inputs.tags.some((tag: any) => tag.key === 'Platform' && tag.value === platformId));
      const spot = pool.find((candidate) => candidate.inputs.tags.some((tag: any) => tag.key === 'PurchaseOption' && tag.value === 'spot'));
      assert.ok(spot, `no Spot auto scaling group for ${platformId}`);
      assert.is(spot!.inputs.desiredCapacity, desired, 'new hosts go to the Spot group');
      assert.equal(
        pool.filter((candidate) => candidate !== spot).map((candidate) => candidate.inputs.desiredCapacity),
        [0],
        'its on-demand fallback starts empty',
      );
    }
    const instances = ofType(run, 'aws:ec2/instance:Instance');
    assert.is(instances.filter((instance) => instance.inputs.tags.Role === 'solaris-host').length, 0, 'Solaris hosts come from their group');
    const solaris = groups.filter((group) => group.inputs.tags.some((tag: any) => tag.key === 'Role' && tag.value === 'solaris-host'));
    assert.equal(
      solaris.map((group) => group.inputs.desiredCapacity),
      [expected.solarisDesired],
    );
    const macs = instances.filter((instance) => instance.inputs.tenancy === 'host');
    assert.is(macs.length, expected.macHosts);
    assert.is(ofType(run, 'aws:ec2/dedicatedHost:DedicatedHost').length, expected.macHosts);
    for (const mac of macs) assert.match(mac.inputs.instanceType, /^mac\d/);
    assert.is(ofType(run, 'command:remote:Command').length, expected.siteMacs);
    assert.is(ofType(run, 'vsphere:index/virtualMachine:VirtualMachine').length, expected.macVms);
    for (const vm of ofType(run, 'vsphere:index/virtualMachine:VirtualMachine'))
      assert.is.not(findPlatform(vm.inputs.extraConfig['guestinfo.rfarm.platform'])?.arch, 'arm64', 'no arm64 macOS on ESXi');
  });

  test('each Linux builder’s user-data (declared droplet or the scaler’s template) starts the agent for exactly its platform', () => {
    const builders = linuxBuilders(run);
    const linuxPlatforms = PLATFORMS.filter((platform) => platform.provider === 'digitalocean').map((platform) => platform.id);
    assert.equal([...new Set(builders.map((builder) => builder.platform))].sort(), [...linuxPlatforms].sort(), 'every Linux pool can get hosts');
    for (const builder of builders) {
      assert.equal(platformsStartedBy(builder.userData), [builder.platform], builder.name);
      assert.match(builder.userData, `worker-${builder.platform}:`);
      assert.ok(builder.secret, 'user-data carries credentials and must be a secret');
    }
  });

  test('each builder runs as many agents as its machine gives, and a droplet tells Prometheus with its agents tag', () => {
    const builders = linuxBuilders(run);
    assert.ok(builders.length > 0);
    for (const builder of builders) {
      const units = builder.userData.match(/path: \/etc\/systemd\/system\/rfarm-agent-\d+\.service/g) ?? [];
      assert.is(units.length, expected.agentsPerHost.linux, builder.name);
      assert.ok(builder.tags.includes(`agents:${expected.agentsPerHost.linux}`), builder.name);
    }
    for (const template of ofType(run, 'aws:ec2/launchTemplate:LaunchTemplate').filter((candidate) => candidate.inputs.tags.Role === 'builder')) {
      const userData = Buffer.from(template.inputs.userData, 'base64').toString('utf8');
      assert.is(userData.match(/FARM_PLATFORM = /g)?.length, expected.agentsPerHost.windows, template.name);
    }
    for (const [platformId, pool] of Object.entries(run.outputs.poolSizes as Record<string, { agentsPerHost: number }>))
      assert.ok(Number.isInteger(pool.agentsPerHost) && pool.agentsPerHost >= 1, platformId);
  });

  test('each Windows launch template’s user-data starts the agent for exactly its platform', () => {
    for (const template of ofType(run, 'aws:ec2/launchTemplate:LaunchTemplate').filter((candidate) => candidate.inputs.tags.Role === 'builder')) {
      const userData = Buffer.from(template.inputs.userData, 'base64').toString('utf8');
      assert.equal(platformsStartedBy(userData), [template.inputs.tags.Platform]);
      assert.match(userData, /-RFlavour '(devel|release)'/);
      assert.match(userData, /rtools/i);
    }
  });

  test('each Solaris host and Mac VM starts the agent for exactly its platform', () => {
    for (const instance of ofType(run, 'aws:ec2/instance:Instance').filter((candidate) => candidate.inputs.tags.Role !== 'nat'))
      assert.equal(platformsStartedBy(decodeMacUserDataEnvironment(instance.inputs.userData)), [instance.inputs.tags.Platform]);
    const solaris = ofType(run, 'aws:ec2/launchTemplate:LaunchTemplate').filter((template) => template.inputs.tags.Role === 'solaris-host');
    assert.is(solaris.length, 1);
    for (const template of solaris)
      assert.equal(platformsStartedBy(Buffer.from(template.inputs.userData, 'base64').toString('utf8')), ['r-patched-solaris-x86']);
    for (const vm of ofType(run, 'vsphere:index/virtualMachine:VirtualMachine')) {
      const platform = vm.inputs.extraConfig['guestinfo.rfarm.platform'];
      assert.equal(platformsStartedBy(decodeGuestEnvironment(vm.inputs.extraConfig)), [platform]);
      assert.ok(vm.secretInputs.includes('extraConfig'));
    }
  });

  test('the stack outputs exist', () => {
    assert.match(run.outputs.controlPlaneUrl, /^https:\/\//);
    assert.is(run.outputs.natsUrls.public.length, expected.natsNodes);
    assert.is(run.outputs.repositoryUrl, `${run.outputs.controlPlaneUrl}/repo`, 'the control plane serves the repository (control-plane/routes/repository.ts)');
    assert.match(run.outputs.backupBucket.name, new RegExp(`^rfarm-${stack}-backups$`));
    assert.match(run.outputs.monitoringUrl, /^https:\/\/grafana\./);
    assert.equal(
      Object.keys(run.outputs.poolSizes).sort(),
      PLATFORMS.filter((platform) => platform.provider !== 'local')
        .map((platform) => platform.id)
        .sort(),
    );
  });

  test('Grafana, which its package runs as the unprivileged user grafana, may bind the port its config names', () => {
    const monitoring = ofType(run, 'digitalocean:index/droplet:Droplet').find((droplet) => (droplet.inputs.tags as string[]).includes('role:monitoring'))!;
    const boot = parseCloudConfig(monitoring.inputs.userData);
    const ini = boot.files.find((file) => file.path === '/etc/grafana/grafana.ini')!.content;
    // Grafana's default is 3000.
    const port = Number(/^http_port\s*=\s*(\d+)/m.exec(ini)?.[1] ?? 3000);
    const dropIns = boot.files.filter((file) => file.path.startsWith('/etc/systemd/system/grafana-server.service.d/') && file.path.endsWith('.conf'));
    // What Grafana's docs give for a port below 1024: the capability in the bounding and ambient
    // sets, outside a private user namespace (where it would not count for the host's ports).
    const grants = dropIns.some(
      (file) =>
        /^\[Service\]$/m.test(file.content) &&
        /^CapabilityBoundingSet=.*\bCAP_NET_BIND_SERVICE\b/m.test(file.content) &&
        /^AmbientCapabilities=.*\bCAP_NET_BIND_SERVICE\b/m.test(file.content) &&
        /^PrivateUsers=(false|no)$/m.test(file.content),
    );
    assert.ok(port >= 1024 || grants, `Grafana is to listen on ${port} as user grafana, and no drop-in of grafana-server.service grants CAP_NET_BIND_SERVICE`);
    const reload = boot.commands.indexOf('systemctl daemon-reload');
    const start = boot.commands.findIndex((command) => /systemctl (enable --now|start|restart) grafana-server/.test(command));
    assert.ok(start >= 0, 'Grafana is never started');
    assert.ok(reload >= 0 && reload < start, 'systemd reads the drop-in before Grafana starts');
  });

  test('the one Spaces bucket is private: nothing is published from it', () => {
    const buckets = ofType(run, 'digitalocean:index/spacesBucket:SpacesBucket');
    assert.equal(
      buckets.map((bucket) => [bucket.inputs.name, bucket.inputs.acl]),
      [[`rfarm-${stack}-backups`, 'private']],
    );
    assert.equal(ofType(run, 'digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy'), []);
  });

  test('the security policies hold', () => {
    const adminCidrs = (run.config['rfarm:adminCidrs'] as string[] | undefined) ?? [];
    const violations = [
      ...policies.noWorldIngress(run.resources),
      ...policies.sshOnlyFromAdmins(run.resources, adminCidrs),
      ...policies.imdsV2Required(run.resources),
      ...policies.volumesEncrypted(run.resources),
      ...policies.noPublicIpOnBuilders(run.resources),
      ...policies.taggedWithStackAndRole(run.resources, stack),
      ...policies.noPlainSecrets(run.config),
    ];
    assert.equal(violations, []);
  });
}
