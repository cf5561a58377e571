import { spawnSync } from 'node:child_process';
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
  assert.is(scoped.Resource.length, 3, 'two Windows groups and the Solaris group');
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
