import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { estimateMonthlyCost, totalMonthly, UnpricedSizeError } from '../../infra/cost/estimate.ts';
import { DROPLET_MONTHLY, EC2_HOURLY, EC2_MAC_HOST_HOURLY, HOURS_PER_MONTH } from '../../infra/cost/prices.ts';
import type { DeclaredResource } from '../../infra/preview/offline-mocks.ts';

const r = (type: string, inputs: Record<string, any>, name = 'x'): DeclaredResource => ({ type, name, inputs, secretInputs: [] });
const site = { macHostMonthly: 150, vmsPerHost: 2 };

test('droplets, volumes and load balancer units are priced from the table', () => {
  const lines = estimateMonthlyCost(
    [
      r('digitalocean:index/droplet:Droplet', { size: 's-2vcpu-4gb' }),
      r('digitalocean:index/volume:Volume', { size: 50 }),
      r('digitalocean:index/loadBalancer:LoadBalancer', { sizeUnit: 2 }),
    ],
    site,
  );
  assert.is(totalMonthly(lines), DROPLET_MONTHLY['s-2vcpu-4gb'] + 5 + 24);
});

test('an auto scaling group costs its desired capacity of its template’s Windows instance and disk', () => {
  const template = r('aws:ec2/launchTemplate:LaunchTemplate', { instanceType: 'm7i.xlarge', blockDeviceMappings: [{ ebs: { volumeSize: 100 } }] }, 'lt');
  const group = r('aws:autoscaling/group:Group', { desiredCapacity: 2, launchTemplate: { id: 'lt-id' } });
  const expected = 2 * EC2_HOURLY['m7i.xlarge'].windows * HOURS_PER_MONTH + 2 * 100 * 0.08;
  assert.ok(Math.abs(totalMonthly(estimateMonthlyCost([template, group], site)) - expected) < 0.02);
});

test('a Windows pool’s Spot group names its template in its mixed-instances policy and is priced as declared (on demand), its empty fallback at nothing', () => {
  const template = r('aws:ec2/launchTemplate:LaunchTemplate', { instanceType: 'm7i.xlarge', blockDeviceMappings: [{ ebs: { volumeSize: 100 } }] }, 'lt');
  const spot = r('aws:autoscaling/group:Group', {
    desiredCapacity: 3,
    mixedInstancesPolicy: { launchTemplate: { launchTemplateSpecification: { launchTemplateId: 'lt-id' }, overrides: [{ instanceType: 'm7i.xlarge' }] } },
  });
  const fallback = r('aws:autoscaling/group:Group', { desiredCapacity: 0, launchTemplate: { id: 'lt-id' } });
  const expected = 3 * EC2_HOURLY['m7i.xlarge'].windows * HOURS_PER_MONTH + 3 * 100 * 0.08;
  assert.ok(Math.abs(totalMonthly(estimateMonthlyCost([template, spot, fallback], site)) - expected) < 0.02);
});

test('the Solaris KVM hosts’ group costs its desired capacity at the Linux price (a Debian host), not the Windows one', () => {
  const template = r(
    'aws:ec2/launchTemplate:LaunchTemplate',
    { instanceType: 'c8i.xlarge', tags: { Role: 'solaris-host' }, blockDeviceMappings: [{ ebs: { volumeSize: 80 } }] },
    'solaris',
  );
  const group = r('aws:autoscaling/group:Group', { desiredCapacity: 1, launchTemplate: { id: 'solaris-id' } });
  const lines = estimateMonthlyCost([template, group], site);
  assert.ok(lines.some((line) => line.item === 'EC2 c8i.xlarge Linux (Solaris KVM host)'));
  const expected = EC2_HOURLY['c8i.xlarge'].linux * HOURS_PER_MONTH + 80 * 0.08;
  assert.ok(Math.abs(totalMonthly(lines) - expected) < 0.02);
});

test('vSphere VMs cost their share of Mac hosts', () => {
  const vms = Array.from({ length: 3 }, () => r('vsphere:index/virtualMachine:VirtualMachine', {}));
  assert.is(totalMonthly(estimateMonthlyCost(vms, site)), 300);
});

test('an EC2 Mac builder costs its dedicated host around the clock plus its disk; the instance on the host adds nothing', () => {
  const host = r('aws:ec2/dedicatedHost:DedicatedHost', { instanceType: 'mac2.metal' });
  const instance = r('aws:ec2/instance:Instance', { instanceType: 'mac2.metal', tenancy: 'host', rootBlockDevice: { volumeSize: 200 } });
  assert.ok(Math.abs(totalMonthly(estimateMonthlyCost([host, instance], site)) - (EC2_MAC_HOST_HOURLY['mac2.metal'] * HOURS_PER_MONTH + 200 * 0.08)) < 0.02);
});

test('a size missing from the price table is an error, not a zero', () => {
  assert.throws(
    () => estimateMonthlyCost([r('digitalocean:index/droplet:Droplet', { size: 'gpu-h100x8' })], site),
    (error: unknown) => error instanceof UnpricedSizeError,
  );
});

test.run();
