import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOST_BOOT_SECONDS, PLATFORMS, findPlatform } from '../../images/index.ts';
import { subnetCidrs } from '../../infra/aws/subnets.ts';
import { builderPolicy, credsParameterName } from '../../infra/aws/iam-policies.ts';
import { digitalOceanTags, firewallTag, hostName, relativeName, resourceName } from '../../infra/naming.ts';
import { planPools, providerFor } from '../../infra/pools.ts';
import { macHostsFor, poolSizeFor } from '../../infra/sizing.ts';
import type { StackConfig } from '../../infra/stack-config.ts';

const size = (desired: number) => ({ min: 0, max: Math.max(1, desired), desired });
const config = {
  pools: { defaults: { linux: size(1), windows: size(0), macos: size(0), solaris: size(0) }, overrides: { 'r-release-linux-x86_64': size(3) } },
  digitalocean: { sizes: { builder: 's-2vcpu-4gb' } },
  aws: { windowsInstanceType: 'm7i.large', solarisInstanceType: 'c8i.xlarge', macInstanceType: 'mac2.metal' },
  vsphere: { cpus: 4, memoryMb: 8192 },
  solaris: { placement: 'aws' },
} as unknown as StackConfig;

test('planPools gives every cloud platform of the catalogue exactly one pool', () => {
  const plans = planPools(config);
  assert.equal(
    plans.map((plan) => plan.platform.id).sort(),
    PLATFORMS.filter((platform) => platform.provider !== 'local')
      .map((platform) => platform.id)
      .sort(),
  );
});

test('planPools puts Linux on droplets, Windows on auto scaling groups, Solaris on KVM hosts, macOS x86_64 on vSphere VMs and macOS arm64 on EC2 Mac hosts', () => {
  const kinds = Object.fromEntries(planPools(config).map((plan) => [`${plan.platform.os}-${plan.platform.arch}`, plan.kind]));
  assert.equal(kinds, {
    'linux-x86_64': 'droplet',
    'windows-x86_64': 'autoscaling-group',
    'macos-arm64': 'mac-host',
    'macos-x86_64': 'vsphere-vm',
    'solaris-x86_64': 'kvm-host',
  });
  assert.is(planPools(config).find((plan) => plan.platform.id === 'r-release-macos-arm64')!.machine, 'mac2.metal');
});

test('each pool keeps an idle host for one boot of its OS, whatever its machine or size (the break-even cool-down rule)', () => {
  const other = {
    ...config,
    digitalocean: { sizes: { builder: 's-8vcpu-16gb' } },
    aws: { ...config.aws, windowsInstanceType: 'm7i.2xlarge' },
  } as unknown as StackConfig;
  for (const plans of [planPools(config), planPools(other)])
    for (const plan of plans) assert.is(plan.coolDownSeconds, HOST_BOOT_SECONDS[plan.platform.os], plan.platform.id);
  assert.ok(HOST_BOOT_SECONDS.windows > HOST_BOOT_SECONDS.linux, 'a slower boot keeps its idle host longer');
});

test('macOS arm64 runs on EC2 Mac hosts unless the stack registers site Macs, then on those', () => {
  const arm64 = (plans: ReturnType<typeof planPools>) => plans.find((plan) => plan.platform.id === 'r-release-macos-arm64')!;
  assert.equal([arm64(planPools(config)).provider, arm64(planPools(config)).kind, arm64(planPools(config)).machine], ['aws', 'mac-host', 'mac2.metal']);
  const site = { ...config, macSite: { machine: 'mac-mini-m2-16gb', hosts: [{ address: 'm1', user: 'u' }] } } as unknown as StackConfig;
  assert.equal([arm64(planPools(site)).provider, arm64(planPools(site)).kind, arm64(planPools(site)).machine], ['site', 'site-mac', 'mac-mini-m2-16gb']);
  assert.is(arm64(planPools(site)).agents.count, 4);
  const x86 = planPools(site).find((plan) => plan.platform.id === 'r-release-macos-x86_64')!;
  assert.is(x86.kind, 'vsphere-vm', 'the Intel Macs stay on vSphere');
});

test('Solaris placement is switchable to vSphere by stack config', () => {
  const solaris = findPlatform('r-patched-solaris-x86')!;
  assert.is(providerFor(solaris, 'vsphere'), 'vsphere');
  const plan = planPools({ ...config, solaris: { ...config.solaris, placement: 'vsphere' } }).find((candidate) => candidate.platform.id === solaris.id)!;
  assert.is(plan.kind, 'vsphere-vm');
  assert.is(plan.machine, '4vcpu-8gb');
});

test('a per-platform override wins over the default of its OS', () => {
  assert.is(poolSizeFor(findPlatform('r-release-linux-x86_64')!, config.pools).desired, 3);
  assert.is(poolSizeFor(findPlatform('r-devel-linux-x86_64-debian-gcc')!, config.pools).desired, 1);
});

test('Mac hosts are counted two macOS guests per host', () => {
  assert.is(macHostsFor(0, 2), 0);
  assert.is(macHostsFor(3, 2), 2);
});

test('names are hostname-safe and carry stack, role and index', () => {
  assert.is(resourceName('prod', 'builder', 'r-devel-windows-x86_64'), 'rfarm-prod-builder-r-devel-windows-x86-64');
  assert.is(hostName('dev', 'nats', 2), 'rfarm-dev-nats-2');
  assert.ok(hostName('prod', 'builder', 9, 'r-release-linux-x86_64-debian-stable-gcc').length <= 63);
});

test('DigitalOcean tags carry stack, role, the stack-scoped firewall tag and the platform', () => {
  assert.equal(digitalOceanTags('dev', 'builder', 'p'), ['rfarm', 'stack:dev', 'role:builder', firewallTag('dev', 'builder'), 'platform:p']);
});

test('relativeName finds the record name inside its zone and refuses names outside it', () => {
  assert.is(relativeName('nats-1.farm.example.org', 'example.org'), 'nats-1.farm');
  assert.is(relativeName('example.org', 'example.org'), '@');
  assert.throws(() => relativeName('farm.example.com', 'example.org'), /not inside DNS zone/);
});

test('AWS subnets are /20s carved after the public one', () => {
  assert.equal(subnetCidrs('10.61.0.0/16', 2), { public: ['10.61.0.0/20'], private: ['10.61.16.0/20', '10.61.32.0/20'] });
  assert.throws(() => subnetCidrs('10.0.0.0/24', 1), /smaller than \/20/);
});

test('a builder’s IAM policy reads only its own parameter', () => {
  const arn = `arn:aws:ssm:us-east-1:1:parameter${credsParameterName('dev', 'r-release-windows-x86_64')}`;
  const policy = JSON.parse(builderPolicy(arn));
  assert.equal(policy.Statement[0].Resource, arn);
  assert.ok(policy.Statement.every((statement: any) => !String(statement.Action).includes('*')));
});

test.run();
