import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PLATFORMS } from '../../images/index.ts';
import * as pulumi from '@pulumi/pulumi';
import { parseStackConfig, StackConfigError, type StackSecrets } from '../../infra/stack-config.ts';
import { readStackFile } from '../../infra/preview/declare-offline.ts';
import { repoRoot } from './stack-suite.ts';

const secrets = { macSiteSshKey: pulumi.output('key') } as unknown as StackSecrets;

function rawFrom(stack: string): Record<string, unknown> {
  const file = readStackFile(repoRoot, stack);
  const raw = Object.fromEntries(
    Object.entries(file)
      .filter(([key]) => key.startsWith('rfarm:'))
      .map(([key, value]) => [key.slice('rfarm:'.length), value]),
  );
  return { ...raw, aws: { ...(raw.aws as object), region: file['aws:region'] } };
}

test('both stack files parse into a frozen config', () => {
  for (const stack of ['dev', 'prod']) {
    const config = parseStackConfig(stack, rawFrom(stack), secrets);
    assert.ok(Object.isFrozen(config.digitalocean.sizes));
  }
});

test('dev is a single NATS node and prod a cluster of 3 with JetStream replicas 3 and 2+ control planes', () => {
  const dev = parseStackConfig('dev', rawFrom('dev'), secrets);
  const prod = parseStackConfig('prod', rawFrom('prod'), secrets);
  assert.equal(dev.nats, { nodes: 1, jetstreamReplicas: 1 });
  assert.equal(prod.nats, { nodes: 3, jetstreamReplicas: 3 });
  assert.ok(prod.controlPlaneInstances >= 2);
  assert.is(dev.pools.defaults.windows.min, 0);
});

test('both stacks start every Linux pool at zero: the scaler owns their droplets, so the idle and elastic cost figures hold', () => {
  for (const stack of ['dev', 'prod']) {
    const config = parseStackConfig(stack, rawFrom(stack), secrets);
    const linux = [
      config.pools.defaults.linux,
      ...PLATFORMS.filter((platform) => platform.os === 'linux').map((platform) => config.pools.overrides[platform.id]),
    ];
    for (const size of linux.filter(Boolean)) assert.equal([size!.min, size!.desired], [0, 0], stack);
    assert.ok(config.pools.defaults.linux.max > 0, `${stack}: the scaler may start Linux droplets`);
  }
});

test('every problem of a broken config is reported at once', () => {
  const raw = { ...rawFrom('dev'), domain: undefined, adminCidrs: ['0.0.0.0/0'], nats: { nodes: 2, jetstreamReplicas: 3 }, smtpUrl: 'smtp://u:pw@host:587' };
  try {
    parseStackConfig('dev', raw, secrets);
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, StackConfigError);
    const problems = (error as StackConfigError).problems.join('\n');
    for (const expected of ['rfarm:domain is missing', '/0 would open SSH', 'cannot exceed', 'odd number', 'carries a password'])
      assert.match(problems, expected);
  }
});

test('an arm64 macOS template on vSphere and a non-Mac instance type for EC2 Mac are refused, each with what to use', () => {
  const dev = rawFrom('dev') as Record<string, any>;
  const raw = {
    ...dev,
    aws: { ...dev.aws, macInstanceType: 'm7i.large' },
    vsphere: { ...dev.vsphere, templates: { ...dev.vsphere.templates, arm64: 'templates/macos-14-arm64' } },
  };
  try {
    parseStackConfig('dev', raw, secrets);
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, StackConfigError);
    const problems = (error as StackConfigError).problems.join('\n');
    assert.match(problems, 'ESXi does not run on Apple silicon');
    assert.match(problems, 'use an EC2 Mac type such as mac2.metal');
  }
});

test('the stack files declare no SSH admin CIDR by default', () => {
  for (const stack of ['dev', 'prod']) assert.equal(parseStackConfig(stack, rawFrom(stack), secrets).adminCidrs, []);
  assert.ok(pulumi); // the SDK stays importable without the engine
});

test('a stack with site Macs needs their SSH key and at least one { address, user } host', () => {
  const raw = { ...rawFrom('prod'), macSite: { machine: 'mac-mini-m2-16gb', hosts: [] } };
  try {
    parseStackConfig('prod', raw, {} as StackSecrets);
    assert.unreachable('should throw');
  } catch (error) {
    const problems = (error as StackConfigError).problems.join('\n');
    assert.match(problems, 'rfarm:macSite.hosts must list the site Macs');
    assert.match(problems, 'rfarm:macSiteSshKey');
  }
});

test.run();
