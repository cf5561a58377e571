import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { declareOffline } from '../../infra/preview/declare-offline.ts';
import { TOKENS } from '../../infra/vsphere/sdk.ts';
import { repoRoot, stackSuite } from './stack-suite.ts';

stackSuite('prod', {
  builderDroplets: 22,
  builderSize: 's-4vcpu-8gb',
  controlPlaneDroplets: 2,
  natsNodes: 3,
  jetstreamReplicas: 3,
  windowsDesired: { 'r-devel-windows-x86_64': 2, 'r-release-windows-x86_64': 3 },
  solarisInstances: 1,
  macHosts: 1,
  agentsPerHost: { linux: 2, windows: 2 },
  macVms: 1,
});

test('prod looks up the vSphere inventory with the provider’s tokens and clones Solaris hosts with nested virtualization', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  const tokens = new Set(run.lookups.map((lookup) => lookup.token));
  for (const token of [TOKENS.getDatacenter, TOKENS.getVirtualMachine, TOKENS.getDatastore, TOKENS.getResourcePool, TOKENS.getNetwork])
    assert.ok(tokens.has(token), `${token} not called`);
  const solaris = run.resources.filter((resource) => resource.type === 'aws:ec2/instance:Instance' && resource.inputs.tags?.Role === 'solaris-host');
  assert.ok(solaris.length > 0 && solaris.every((instance) => instance.inputs.cpuOptions?.nestedVirtualization === 'enabled'));
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

test('a new Debian AMI does not replace a Solaris host (the AMI is ignored after creation)', async () => {
  const run = await declareOffline(repoRoot, 'prod');
  const solaris = run.resources.filter((resource) => resource.type === 'aws:ec2/instance:Instance' && resource.inputs.tags?.Role === 'solaris-host');
  assert.ok(solaris.length > 0);
  for (const instance of solaris) assert.ok(instance.options?.ignoreChanges.includes('ami'), instance.name);
});

test.run();
