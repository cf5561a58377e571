import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { declareOffline } from '../../infra/preview/declare-offline.ts';
import { GENERAL_PURPOSE_SHAPES } from '../../infra/aws/spot-instance-types.ts';
import { MACHINE_SHAPES } from '../../infra/sizing.ts';
import { TOKENS } from '../../infra/vsphere/sdk.ts';
import { repoRoot, stackSuite } from './stack-suite.ts';

stackSuite('prod', {
  builderDroplets: 0,
  builderSize: 's-4vcpu-8gb',
  controlPlaneDroplets: 2,
  natsNodes: 3,
  jetstreamReplicas: 3,
  windowsDesired: { 'r-devel-windows-x86_64': 2, 'r-release-windows-x86_64': 3 },
  solarisDesired: 1,
  macHosts: 0,
  siteMacs: 1,
  agentsPerHost: { linux: 2, windows: 2 },
  macVms: 1,
});

test('prod looks up the vSphere inventory with the provider’s tokens and clones Solaris hosts with nested virtualization', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  const tokens = new Set(run.lookups.map((lookup) => lookup.token));
  for (const token of [TOKENS.getDatacenter, TOKENS.getVirtualMachine, TOKENS.getDatastore, TOKENS.getResourcePool, TOKENS.getNetwork])
    assert.ok(tokens.has(token), `${token} not called`);
  const solaris = run.resources.filter(
    (resource) => resource.type === 'aws:ec2/launchTemplate:LaunchTemplate' && resource.inputs.tags?.Role === 'solaris-host',
  );
  assert.ok(solaris.length > 0 && solaris.every((template) => template.inputs.cpuOptions?.nestedVirtualization === 'enabled'));
});

test('prod creates its vSphere VM folder and clones every VM into it', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  const folders = run.resources.filter((resource) => resource.type === TOKENS.folder);
  assert.equal(
    folders.map((folder) => [folder.inputs.path, folder.inputs.type]),
    [['rfarm/prod', 'vm']],
  );
  const vms = run.resources.filter((resource) => resource.type === TOKENS.virtualMachine);
  assert.ok(vms.length > 0 && vms.every((vm) => vm.inputs.folder === 'rfarm/prod'));
});

test('the Solaris hosts are an Auto Scaling group the scaler sizes: pulumi up leaves its capacity alone, the scaler may change it', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  const group = run.resources.find(
    (resource) =>
      resource.type === 'aws:autoscaling/group:Group' && resource.inputs.tags.some((tag: any) => tag.key === 'Role' && tag.value === 'solaris-host'),
  )!;
  assert.ok(group.options?.ignoreChanges.includes('desiredCapacity'));
  assert.equal([group.inputs.minSize, group.inputs.maxSize], [0, 1]);
  const policy = JSON.parse(run.resources.find((resource) => resource.type === 'aws:iam/userPolicy:UserPolicy')!.inputs.policy);
  const scoped = policy.Statement.find((statement: { Sid: string }) => statement.Sid === 'ScaleOwnGroups');
  assert.is(scoped.Resource.length, 5, 'two Windows pools’ Spot and on-demand groups, and the Solaris group');
  assert.not.ok(group.inputs.mixedInstancesPolicy, 'Solaris stays on demand');
});

test('each Windows pool has a Spot group new hosts go to and an on-demand group as its fallback, on one template, named in the outputs', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  const groups = run.resources.filter(
    (resource) =>
      resource.type === 'aws:autoscaling/group:Group' &&
      resource.inputs.tags.some((tag: any) => tag.key === 'Platform' && tag.value === 'r-release-windows-x86_64'),
  );
  const tag = (group: (typeof groups)[number], key: string) => group.inputs.tags.find((entry: any) => entry.key === key)?.value;
  const spot = groups.find((group) => tag(group, 'PurchaseOption') === 'spot')!;
  const onDemand = groups.find((group) => tag(group, 'PurchaseOption') === 'on-demand')!;
  assert.is(groups.length, 2);
  assert.equal([spot.inputs.name, onDemand.inputs.name], ['rfarm-prod-builder-r-release-windows-x86-64-spot', 'rfarm-prod-builder-r-release-windows-x86-64']);
  const policy = spot.inputs.mixedInstancesPolicy;
  assert.equal(policy.instancesDistribution, {
    onDemandBaseCapacity: 0,
    onDemandPercentageAboveBaseCapacity: 0,
    spotAllocationStrategy: 'price-capacity-optimized',
  });
  assert.is(spot.inputs.capacityRebalance, true);
  assert.not.ok(spot.inputs.launchTemplate, 'a mixed-instances group names its template only in its policy');
  assert.is(
    policy.launchTemplate.launchTemplateSpecification.launchTemplateId,
    onDemand.inputs.launchTemplate.id,
    'one template: same image, identity, user data',
  );
  const types = policy.launchTemplate.overrides.map((override: { instanceType: string }) => override.instanceType);
  assert.ok(types.length >= 4 && types[0] === 'm7i.xlarge', types.join(', '));
  for (const type of types) assert.equal(GENERAL_PURPOSE_SHAPES[type.split('.')[1]], MACHINE_SHAPES['m7i.xlarge'], `${type} has the configured type’s shape`);
  assert.equal([spot.inputs.minSize, spot.inputs.maxSize, spot.inputs.desiredCapacity], [0, 6, 3], 'the Spot group starts at the pool’s desired size');
  assert.equal([onDemand.inputs.minSize, onDemand.inputs.maxSize, onDemand.inputs.desiredCapacity], [0, 6, 0], 'the fallback starts empty');
  for (const group of [spot, onDemand]) assert.ok(group.options?.ignoreChanges.includes('desiredCapacity'));
  const without = (group: typeof spot) => group.inputs.tags.filter((entry: any) => entry.key !== 'PurchaseOption');
  assert.equal(without(spot), without(onDemand), 'the same tags but for the purchase option');
  assert.equal((run.outputs.awsGroups as Record<string, unknown>)['r-release-windows-x86_64'], {
    onDemand: 'rfarm-prod-builder-r-release-windows-x86-64',
    spot: 'rfarm-prod-builder-r-release-windows-x86-64-spot',
  });
  const solaris = run.resources.find((resource) => resource.type === 'aws:autoscaling/group:Group' && tag(resource, 'Role') === 'solaris-host')!;
  assert.equal((run.outputs.awsGroups as Record<string, unknown>)['r-patched-solaris-x86'], { onDemand: solaris.inputs.name }, 'Solaris: one on-demand group');
});

test('prod builds macOS arm64 on its registered site Mac mini: pulumi up installs it over SSH, credentials only on stdin, and holds no EC2 Mac host', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  assert.equal(
    run.resources.filter((resource) => resource.type === 'aws:ec2/dedicatedHost:DedicatedHost'),
    [],
  );
  const [install] = run.resources.filter((resource) => resource.type === 'command:remote:Command');
  assert.is(install.name, 'builders-r-release-macos-arm64-1');
  assert.equal([install.inputs.connection.host, install.inputs.connection.user], ['mac-mini-1.site.example.org', 'rfarm-admin']);
  assert.is(install.inputs.connection.privateKey, 'placeholder-mac-site-ssh-key');
  assert.equal([install.inputs.create, install.inputs.update], ['sudo bash -s', 'sudo bash -s']);
  for (const secret of ['stdin', 'connection', 'triggers']) assert.ok(install.secretInputs.includes(secret), `${secret} is a secret`);
  const script = install.inputs.stdin as string;
  assert.match(script, /placeholder-jwt|base64 -D > \/etc\/rfarm\/nats\.creds/);
  assert.not.match(install.inputs.create, 'nats.creds', 'no credential on a command line');
  assert.match(script, "/opt/rfarm/images/macos/provision.sh '4.5.2'");
  assert.is((script.match(/> \/etc\/rfarm\/agent(-\d+)?\.env/g) ?? []).length, 4, 'an M2 Mac mini runs 4 agents');
  assert.match(install.inputs.delete, 'launchctl bootout system/org.rfarm.agent');
  const sizes = run.outputs.poolSizes as Record<string, { provider: string; kind: string; machine: string }>;
  assert.equal(sizes['r-release-macos-arm64'], { ...sizes['r-release-macos-arm64'], provider: 'site', kind: 'site-mac', machine: 'mac-mini-m2-16gb' });
  for (const text of [script, install.inputs.delete as string]) {
    const parsed = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
    assert.is(parsed.status, 0, parsed.stderr);
  }
});

test.run();
