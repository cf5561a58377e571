import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  allOnDemandExtra,
  DAYS_PER_MONTH,
  elasticTotal,
  estimateElasticCost,
  idleUsage,
  SPOT_ASSUMPTIONS,
  TRAFFIC_ASSUMPTIONS,
  type ElasticStackSettings,
} from '../../infra/cost/elastic.ts';
import { spotBreakEven } from '../../infra/cost/spot-break-even.ts';
import { UnpricedSizeError } from '../../infra/cost/estimate.ts';
import {
  AWS_PER_GB,
  DROPLET_MONTHLY,
  EC2_ARM_HOURLY,
  EC2_HOURLY,
  EC2_MAC_HOST_HOURLY,
  EC2_SPOT_HOURLY,
  HOURS_PER_MONTH,
  SITE_MAC,
} from '../../infra/cost/prices.ts';
import type { DeclaredResource } from '../../infra/preview/offline-mocks.ts';

const r = (type: string, name: string, inputs: Record<string, any>): DeclaredResource => ({ type, name, inputs, secretInputs: [] });
const settings: ElasticStackSettings = {
  digitalocean: {
    sizes: { builder: 's-4vcpu-8gb', controlPlane: 's-2vcpu-4gb', nats: 's-2vcpu-4gb', monitoring: 's-2vcpu-4gb', logs: 's-2vcpu-4gb', gateway: 's-1vcpu-1gb' },
  },
  aws: { windowsInstanceType: 'm7i.xlarge', windowsVolumeGb: 100, solarisInstanceType: 'c8i.xlarge', solarisVolumeGb: 80, macInstanceType: 'mac2.metal' },
  solaris: { placement: 'aws' },
  vsphere: { hostMonthlyUsd: 150, vmsPerHost: 2 },
};
const declared = [
  r('digitalocean:index/droplet:Droplet', 'control-plane-1', { size: 's-2vcpu-4gb' }),
  r('digitalocean:index/droplet:Droplet', 'builders-r-release-linux-x86_64-1', { size: 's-4vcpu-8gb' }),
  r('aws:ec2/natGateway:NatGateway', 'aws-nat', {}),
];
const usage = (platform: string, family: string, hours: number, builds = 0, peakHosts = 1) => ({
  platform,
  family,
  builds,
  hostHoursPerDay: hours,
  hostHoursRoundedUpPerDay: Math.ceil(hours),
  peakHosts,
});

test('idle, the stack costs its core and NAT gateways only: declared builders are not counted', () => {
  const estimate = estimateElasticCost(declared, settings, []);
  assert.equal(estimate.builders, []);
  assert.is(elasticTotal(estimate), DROPLET_MONTHLY['s-2vcpu-4gb'] + 32.85);
});

test('builders cost their simulated hours at the hourly rate; Windows hours are on Spot with the licence undiscounted, and the fallback share on demand', () => {
  const estimate = estimateElasticCost([], settings, [usage('r-release-linux-x86_64', 'linux', 10), usage('r-release-windows-x86_64', 'windows', 5)]);
  const linux = estimate.builders.find((entry) => entry.item.includes('r-release-linux-x86_64'))!;
  assert.ok(Math.abs(linux.monthly - 10 * DAYS_PER_MONTH * (DROPLET_MONTHLY['s-4vcpu-8gb'] / HOURS_PER_MONTH)) < 0.01);
  assert.not.ok(
    estimate.builders.some((entry) => entry.item.startsWith('EC2 m7i.xlarge')),
    'Windows compute is in its own section',
  );
  assert.ok(estimate.builders.some((entry) => entry.item === 'EBS gp3 GB-hours (r-release-windows-x86_64)'));
  const hours = 5 * DAYS_PER_MONTH;
  const share = SPOT_ASSUMPTIONS.onDemandFallbackShare;
  const price = EC2_HOURLY['m7i.xlarge'];
  const expected = hours * (1 - share) * (EC2_SPOT_HOURLY['m7i.xlarge'] + price.windows - price.linux) + hours * share * price.windows;
  const windows = estimate.spot.reduce((sum, entry) => sum + entry.monthly, 0);
  assert.ok(Math.abs(windows - expected) < 0.03, `${windows} vs ${expected}`);
  assert.ok(estimate.spot.some((entry) => entry.item.startsWith('Windows licence') && entry.unitMonthly === price.windows - price.linux));
  const builders = estimate.builders.reduce((sum, entry) => sum + entry.monthly, 0);
  assert.ok(Math.abs(elasticTotal(estimate) - (builders + windows)) < 0.01, 'the Spot section is in the total');
  assert.ok(Math.abs(allOnDemandExtra(estimate) - hours * (1 - share) * (price.linux - EC2_SPOT_HOURLY['m7i.xlarge'])) < 0.01);
});

test('the Spot break-even: at the total itself it is the recorded price and the assumed fallback; each dollar of headroom moves it by the hours it buys', () => {
  const estimate = estimateElasticCost(declared, settings, [usage('r-release-windows-x86_64', 'windows', 30)]);
  const total = elasticTotal(estimate);
  const atTotal = spotBreakEven(estimate, total)!;
  assert.ok(Math.abs(atTotal.spotShareOfOnDemand - atTotal.recordedShare) < 0.001, JSON.stringify(atTotal));
  assert.ok(Math.abs(atTotal.recordedShare - EC2_SPOT_HOURLY['m7i.xlarge'] / EC2_HOURLY['m7i.xlarge'].linux) < 1e-9);
  assert.ok(Math.abs(atTotal.fallbackShare - SPOT_ASSUMPTIONS.onDemandFallbackShare) < 0.001);
  const spotHours = 30 * DAYS_PER_MONTH * (1 - SPOT_ASSUMPTIONS.onDemandFallbackShare);
  const roomier = spotBreakEven(estimate, total + 100)!;
  assert.ok(Math.abs(roomier.spotShareOfOnDemand - atTotal.spotShareOfOnDemand - 100 / (spotHours * EC2_HOURLY['m7i.xlarge'].linux)) < 0.001);
  assert.ok(roomier.fallbackShare > atTotal.fallbackShare);
  assert.is(spotBreakEven(estimateElasticCost(declared, settings, []), 1112), null, 'no Windows hours, no break-even');
});

test('a Windows type with no recorded Spot price is an error, not an on-demand guess', () => {
  assert.throws(
    () =>
      estimateElasticCost([], { ...settings, aws: { ...settings.aws, windowsInstanceType: 'c8i.xlarge' } }, [usage('r-release-windows-x86_64', 'windows', 1)]),
    (error: unknown) => error instanceof UnpricedSizeError && /no Spot price/.test((error as Error).message),
  );
});

test('Windows builds pay NAT data processing for their downloads through a managed NAT gateway', () => {
  const estimate = estimateElasticCost(declared, settings, [usage('r-release-windows-x86_64', 'windows', 1, 1000)]);
  const nat = estimate.nat.find((entry) => entry.item.startsWith('AWS NAT data processing'))!;
  const gb = 1000 * (TRAFFIC_ASSUMPTIONS.windowsDownloadGbPerBuild + TRAFFIC_ASSUMPTIONS.windowsUploadGbPerBuild) * DAYS_PER_MONTH;
  assert.ok(Math.abs(nat.monthly - gb * AWS_PER_GB.natProcessing) < 0.05);
});

test('through NAT instances the same downloads cost no processing: the NAT section is the instances’ hours, address and disk', () => {
  const nats = [
    r('digitalocean:index/droplet:Droplet', 'do-network-gateway', { size: 's-1vcpu-1gb', tags: ['stack:prod', 'role:nat'] }),
    r('aws:ec2/instance:Instance', 'aws-network-nat-instance', { instanceType: 't4g.nano', rootBlockDevice: { volumeSize: 8 }, tags: { Role: 'nat' } }),
    r('aws:ec2/eip:Eip', 'aws-network-nat-ip', { tags: { Role: 'nat' } }),
  ];
  const estimate = estimateElasticCost([declared[0], ...nats], settings, [usage('r-release-windows-x86_64', 'windows', 1, 1000)]);
  assert.not.ok(estimate.nat.some((entry) => entry.item.startsWith('AWS NAT data processing')));
  const expected = DROPLET_MONTHLY['s-1vcpu-1gb'] + EC2_ARM_HOURLY['t4g.nano'] * HOURS_PER_MONTH + 8 * 0.08 + 0.005 * HOURS_PER_MONTH;
  assert.ok(Math.abs(estimate.nat.reduce((sum, entry) => sum + entry.monthly, 0) - expected) < 0.02, JSON.stringify(estimate.nat));
  assert.equal(
    estimate.core.map((entry) => entry.item),
    ['droplet s-2vcpu-4gb'],
    'the NAT hosts are not in the core',
  );
});

test('Mac hardware follows the busiest moment, not the hours: EC2 Mac hosts held all month, vSphere hosts per VMs', () => {
  const estimate = estimateElasticCost([], settings, [
    usage('r-release-macos-arm64', 'macos', 20, 1000, 3),
    usage('r-release-macos-x86_64', 'macos', 1, 50, 3),
  ]);
  const ec2Mac = estimate.licences.find((entry) => entry.item.startsWith('EC2 Mac dedicated host mac2.metal'))!;
  assert.is(ec2Mac.quantity, 3);
  assert.ok(Math.abs(ec2Mac.monthly - 3 * EC2_MAC_HOST_HOURLY['mac2.metal'] * HOURS_PER_MONTH) < 0.01);
  assert.is(estimate.licences.find((entry) => entry.item.includes('vSphere'))!.quantity, 2);
});

test('EC2 Mac hosts the stack declares are paid around the clock even idle; a busier moment adds hosts beyond them', () => {
  const hosts = [1, 2].map((index) =>
    r('aws:ec2/dedicatedHost:DedicatedHost', `builders-r-release-macos-arm64-host-${index}`, {
      instanceType: 'mac2.metal',
      tags: { Platform: 'r-release-macos-arm64' },
    }),
  );
  const monthly = EC2_MAC_HOST_HOURLY['mac2.metal'] * HOURS_PER_MONTH;
  assert.ok(Math.abs(elasticTotal(estimateElasticCost(hosts, settings, [])) - 2 * monthly) < 0.01);
  const busy = estimateElasticCost(hosts, settings, [usage('r-release-macos-arm64', 'macos', 20, 1000, 3)]);
  assert.equal(
    busy.licences.map((entry) => entry.quantity),
    [1],
  );
});

test('idle, a pool kept at a minimum still costs it: a vSphere Mac VM always on holds its Mac host', () => {
  const usage = idleUsage({ 'r-release-macos-x86_64': { min: 1 }, 'r-release-linux-x86_64': { min: 0 }, 'r-release-windows-x86_64': { min: 0 } });
  assert.equal(
    usage.map((pool) => [pool.platform, pool.hostHoursPerDay, pool.peakHosts, pool.builds]),
    [['r-release-macos-x86_64', 24, 1, 0]],
  );
  const estimate = estimateElasticCost(declared, settings, usage);
  assert.is(elasticTotal(estimate), DROPLET_MONTHLY['s-2vcpu-4gb'] + 32.85 + 150);
});

test('a pool the catalogue does not know is an error, not a zero', () => {
  assert.throws(
    () => estimateElasticCost([], settings, [usage('r-nope', 'linux', 1)]),
    (error: unknown) => error instanceof UnpricedSizeError,
  );
});

test('site Mac minis are priced amortised in the core, always on, with no EC2 Mac host', () => {
  const install = r('command:remote:Command', 'builders-r-release-macos-arm64-1', {});
  const estimate = estimateElasticCost([declared[0], install], { ...settings, macSite: { machine: 'mac-mini-m2-16gb' } }, [
    usage('r-release-macos-arm64', 'macos', 24, 1050, 1),
  ]);
  const mini = estimate.core.find((entry) => entry.item.startsWith('Mac mini mac-mini-m2-16gb'))!;
  const price = SITE_MAC['mac-mini-m2-16gb'];
  assert.ok(Math.abs(mini.monthly - (price.purchaseUsd / price.months + price.siteMonthlyUsd)) < 0.01);
  assert.not.ok([...estimate.core, ...estimate.licences].some((entry) => entry.item.includes('EC2 Mac')));
  const busier = estimateElasticCost([install], { ...settings, macSite: { machine: 'mac-mini-m2-16gb' } }, [
    usage('r-release-macos-arm64', 'macos', 48, 2000, 2),
  ]);
  assert.is(busier.licences.find((entry) => entry.item.startsWith('site Mac'))?.quantity, 1, 'a peak beyond the registered Macs shows');
});

test.run();
