import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as policies from '../../infra/policy/policies.ts';
import type { DeclaredResource } from '../../infra/preview/offline-mocks.ts';

const resource = (type: string, inputs: Record<string, any>, name = 'bad'): DeclaredResource => ({ type, name, inputs, secretInputs: [] });
const awsTags = { Stack: 'dev', Role: 'builder' };

test('no-world-ingress fails on a firewall open to 0.0.0.0/0', () => {
  const bad = resource('digitalocean:index/firewall:Firewall', { inboundRules: [{ protocol: 'tcp', portRange: '4222', sourceAddresses: ['0.0.0.0/0'] }] });
  assert.is(policies.noWorldIngress([bad]).length, 1);
});

test('no-world-ingress fails on a security group open to the world and on a load balancer listening on 80', () => {
  const group = resource('aws:ec2/securityGroup:SecurityGroup', { ingress: [{ protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrBlocks: ['0.0.0.0/0'] }] });
  const balancer = resource('digitalocean:index/loadBalancer:LoadBalancer', { forwardingRules: [{ entryPort: 80, entryProtocol: 'http' }] });
  assert.is(policies.noWorldIngress([group, balancer]).length, 2);
});

test('no-world-ingress accepts https/443 on the load balancer', () => {
  assert.equal(
    policies.noWorldIngress([resource('digitalocean:index/loadBalancer:LoadBalancer', { forwardingRules: [{ entryPort: 443, entryProtocol: 'https' }] })]),
    [],
  );
});

test('ssh-only-from-admins fails on any SSH rule when no admin CIDR is set', () => {
  const bad = resource('digitalocean:index/firewall:Firewall', { inboundRules: [{ protocol: 'tcp', portRange: '22', sourceAddresses: ['203.0.113.7/32'] }] });
  assert.is(policies.sshOnlyFromAdmins([bad], []).length, 1);
});

test('ssh-only-from-admins fails on SSH from outside the admin CIDRs and passes from inside', () => {
  const group = resource('aws:ec2/securityGroup:SecurityGroup', { ingress: [{ protocol: 'tcp', fromPort: 0, toPort: 65535, cidrBlocks: ['10.0.0.0/8'] }] });
  assert.is(policies.sshOnlyFromAdmins([group], ['203.0.113.7/32']).length, 1);
  const good = resource('digitalocean:index/firewall:Firewall', { inboundRules: [{ protocol: 'tcp', portRange: '22', sourceAddresses: ['203.0.113.7/32'] }] });
  assert.equal(policies.sshOnlyFromAdmins([good], ['203.0.113.7/32']), []);
});

test('ssh-only-from-admins reads SSH as TCP: UDP over 22 (the NAT instance forwards it) opens no SSH, an all-protocol rule does', () => {
  const udp = resource('aws:ec2/securityGroup:SecurityGroup', { ingress: [{ protocol: 'udp', fromPort: 0, toPort: 65535, cidrBlocks: ['10.0.0.0/8'] }] });
  assert.equal(policies.sshOnlyFromAdmins([udp], []), []);
  const all = resource('aws:ec2/securityGroup:SecurityGroup', { ingress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['10.0.0.0/8'] }] });
  assert.is(policies.sshOnlyFromAdmins([all], []).length, 1);
});

test('imds-v2-required fails on a launch template with optional tokens', () => {
  assert.is(policies.imdsV2Required([resource('aws:ec2/launchTemplate:LaunchTemplate', { metadataOptions: { httpTokens: 'optional' } })]).length, 1);
  assert.is(policies.imdsV2Required([resource('aws:ec2/instance:Instance', {})]).length, 1);
});

test('volumes-encrypted fails on unencrypted EBS in a template, an instance and a volume', () => {
  const template = resource('aws:ec2/launchTemplate:LaunchTemplate', { blockDeviceMappings: [{ deviceName: '/dev/sda1', ebs: { encrypted: 'false' } }] });
  const instance = resource('aws:ec2/instance:Instance', { rootBlockDevice: { encrypted: false } });
  const volume = resource('aws:ebs/volume:Volume', { encrypted: false });
  assert.is(policies.volumesEncrypted([template, instance, volume]).length, 3);
});

test('no-public-ip-on-builders fails on a builder droplet with public networking and a template that may associate an address', () => {
  const droplet = resource('digitalocean:index/droplet:Droplet', { tags: ['stack:dev', 'role:builder'] });
  const template = resource('aws:ec2/launchTemplate:LaunchTemplate', { tags: awsTags, networkInterfaces: [{ associatePublicIpAddress: 'true' }] });
  const instance = resource('aws:ec2/instance:Instance', { tags: { Stack: 'dev', Role: 'solaris-host' }, associatePublicIpAddress: true });
  assert.is(policies.noPublicIpOnBuilders([droplet, template, instance]).length, 3);
});

test('no-public-ip-on-builders leaves NATS droplets (which need a public address) alone', () => {
  assert.equal(policies.noPublicIpOnBuilders([resource('digitalocean:index/droplet:Droplet', { tags: ['stack:dev', 'role:nats'] })]), []);
});

test('tagged-with-stack-and-role fails on untagged, wrongly tagged and unclassified resources', () => {
  const untagged = resource('aws:ec2/subnet:Subnet', {});
  const otherStack = resource('digitalocean:index/droplet:Droplet', { tags: ['stack:prod', 'role:builder'] });
  const unknown = resource('digitalocean:index/databaseCluster:DatabaseCluster', {});
  assert.is(policies.taggedWithStackAndRole([untagged, otherStack, unknown], 'dev').length, 3);
});

test('tagged-with-stack-and-role accepts AWS tag maps, ASG tag lists and vSphere annotations', () => {
  const subnet = resource('aws:ec2/subnet:Subnet', { tags: { Stack: 'dev', Role: 'network' } });
  const group = resource('aws:autoscaling/group:Group', {
    tags: [
      { key: 'Stack', value: 'dev' },
      { key: 'Role', value: 'builder' },
    ],
  });
  const vm = resource('vsphere:index/virtualMachine:VirtualMachine', { annotation: 'rfarm stack=dev role=builder platform=x' });
  assert.equal(policies.taggedWithStackAndRole([subnet, group, vm], 'dev'), []);
});

test('no-plain-secrets fails on a secret key set in plain, a secret-looking key and a private key in a value', () => {
  const config = {
    'rfarm:adminToken': 'hunter2',
    'rfarm:smtpUrl': 'smtp://rfarm@smtp.example.org:587',
    'digitalocean:token': 'x',
    'rfarm:notes': '-----BEGIN PRIVATE KEY-----\nabc',
  };
  const found = policies.noPlainSecrets(config).map((violation) => violation.resource);
  assert.equal(found, ['pulumi:config::rfarm:adminToken', 'pulumi:config::digitalocean:token', 'pulumi:config::rfarm:notes']);
});

test('no-plain-secrets accepts secure values', () => {
  assert.equal(policies.noPlainSecrets({ 'rfarm:adminToken': { secure: 'AAABAJ…' }, 'digitalocean:token': { secure: 'AAAB…' } }), []);
});

test.run();
