import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { declareOffline } from '../../infra/preview/declare-offline.ts';
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
  macHosts: 1,
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
  assert.is(scoped.Resource.length, 3, 'two Windows groups and the Solaris group');
});

test.run();
