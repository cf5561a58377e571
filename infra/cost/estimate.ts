/**
 * Monthly cost of a stack's declared resources, priced from prices.ts. Hosts are counted at their
 * declared size (Linux droplets, NATS, control plane), at desired capacity (auto scaling groups)
 * and, for vSphere VMs, as the share of Mac hosts they need. Traffic and storage growth are not
 * priced.
 */
import type { DeclaredResource } from '../preview/offline-mocks.ts';
import { macHostsFor } from '../sizing.ts';
import { AWS_MONTHLY, DIGITALOCEAN_MONTHLY, DROPLET_MONTHLY, EC2_ARM_HOURLY, EC2_HOURLY, EC2_MAC_HOST_HOURLY, HOURS_PER_MONTH, SITE_MAC } from './prices.ts';

/** One priced line. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unitMonthly: number;
  readonly monthly: number;
}

/** The vSphere site's price, which no public table has. */
export interface SitePrices {
  readonly macHostMonthly: number;
  readonly vmsPerHost: number;
  /** The site's Mac minis (rfarm:macSite.machine), priced from prices.ts SITE_MAC; absent without a site. */
  readonly siteMacMachine?: string;
}

/** Monthly price of one owned site Mac: purchase over its life, plus its share of the site. */
export function siteMacMonthly(machine: string): number {
  const price = SITE_MAC[machine];
  if (price === undefined) throw new UnpricedSizeError(`site Mac '${machine}' has no price in infra/cost/prices.ts SITE_MAC`);
  return Math.round((price.purchaseUsd / price.months + price.siteMonthlyUsd) * 100) / 100;
}

/** Raised when a declared size has no price: add it to prices.ts. */
export class UnpricedSizeError extends Error {
  override name = 'UnpricedSizeError';
}

function droplet(size: string): number {
  const price = DROPLET_MONTHLY[size];
  if (price === undefined) throw new UnpricedSizeError(`droplet size '${size}' has no price in infra/cost/prices.ts`);
  return price;
}

/** Monthly price of an EC2 Mac dedicated host held all month. */
export function macHost(type: string): number {
  const price = EC2_MAC_HOST_HOURLY[type];
  if (price === undefined) throw new UnpricedSizeError(`Mac host type '${type}' has no price in infra/cost/prices.ts`);
  return price * HOURS_PER_MONTH;
}

/** Monthly price of a Graviton NAT instance running all month. */
function natInstance(type: string): number {
  const price = EC2_ARM_HOURLY[type];
  if (price === undefined) throw new UnpricedSizeError(`instance type '${type}' has no price in infra/cost/prices.ts EC2_ARM_HOURLY`);
  return price * HOURS_PER_MONTH;
}

function ec2(type: string, os: 'linux' | 'windows'): number {
  const price = EC2_HOURLY[type];
  if (price === undefined) throw new UnpricedSizeError(`instance type '${type}' has no price in infra/cost/prices.ts`);
  return price[os] * HOURS_PER_MONTH;
}

/** Priced lines, merged by item. */
export function estimateMonthlyCost(resources: readonly DeclaredResource[], site: SitePrices): CostLine[] {
  const lines = new Map<string, { quantity: number; unitMonthly: number }>();
  const add = (item: string, quantity: number, unitMonthly: number) => {
    if (quantity === 0) return;
    const line = lines.get(item) ?? { quantity: 0, unitMonthly };
    line.quantity += quantity;
    lines.set(item, line);
  };
  const templates = new Map(
    resources.filter((resource) => resource.type === 'aws:ec2/launchTemplate:LaunchTemplate').map((template) => [`${template.name}-id`, template.inputs]),
  );
  let vsphereVms = 0;
  for (const { type, inputs } of resources) {
    switch (type) {
      case 'digitalocean:index/droplet:Droplet':
        if ((inputs.tags ?? []).includes('role:nat')) add(`droplet ${inputs.size} (VPC gateway)`, 1, droplet(inputs.size));
        else add(`droplet ${inputs.size}`, 1, droplet(inputs.size));
        break;
      case 'digitalocean:index/volume:Volume':
        add('block storage (GB)', inputs.size, DIGITALOCEAN_MONTHLY.volumeGb);
        break;
      case 'digitalocean:index/loadBalancer:LoadBalancer':
        add('load balancer unit', inputs.sizeUnit ?? 1, DIGITALOCEAN_MONTHLY.loadBalancerUnit);
        break;
      case 'digitalocean:index/spacesBucket:SpacesBucket':
        add('Spaces subscription', 1, DIGITALOCEAN_MONTHLY.spaces);
        break;
      case 'digitalocean:index/vpcNatGateway:VpcNatGateway':
        add('DigitalOcean VPC NAT gateway', 1, DIGITALOCEAN_MONTHLY.natGateway);
        break;
      case 'digitalocean:index/containerRegistry:ContainerRegistry':
        add(`container registry (${inputs.subscriptionTierSlug})`, 1, DIGITALOCEAN_MONTHLY.registry[inputs.subscriptionTierSlug] ?? 0);
        break;
      case 'aws:autoscaling/group:Group': {
        // A Spot group names its template inside its mixed-instances policy.
        const template = templates.get(inputs.launchTemplate?.id ?? inputs.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification?.launchTemplateId);
        if (!template) break;
        // Windows builders, or the Solaris KVM hosts (Debian, Linux price).
        if (template.tags?.Role === 'solaris-host')
          add(`EC2 ${template.instanceType} Linux (Solaris KVM host)`, inputs.desiredCapacity, ec2(template.instanceType, 'linux'));
        else add(`EC2 ${template.instanceType} Windows`, inputs.desiredCapacity, ec2(template.instanceType, 'windows'));
        const gb = (template.blockDeviceMappings ?? []).reduce((sum: number, mapping: any) => sum + (mapping.ebs?.volumeSize ?? 0), 0);
        add('EBS gp3 (GB)', inputs.desiredCapacity * gb, AWS_MONTHLY.gp3Gb);
        break;
      }
      case 'aws:ec2/instance:Instance':
        if (inputs.tags?.Role === 'nat') {
          add(`EC2 ${inputs.instanceType} Linux (NAT instance)`, 1, natInstance(inputs.instanceType));
          add('EBS gp3 (GB, NAT instance)', inputs.rootBlockDevice?.volumeSize ?? 0, AWS_MONTHLY.gp3Gb);
          break;
        }
        // An instance on a dedicated host (EC2 Mac) is paid for by the host.
        if (inputs.tenancy !== 'host') add(`EC2 ${inputs.instanceType} Linux (Solaris KVM host)`, 1, ec2(inputs.instanceType, 'linux'));
        add('EBS gp3 (GB)', inputs.rootBlockDevice?.volumeSize ?? 0, AWS_MONTHLY.gp3Gb);
        break;
      case 'aws:ec2/dedicatedHost:DedicatedHost':
        add(`EC2 Mac dedicated host ${inputs.instanceType}`, 1, macHost(inputs.instanceType));
        break;
      case 'aws:ec2/natGateway:NatGateway':
        add('AWS NAT gateway', 1, AWS_MONTHLY.natGateway);
        break;
      case 'aws:ec2/eip:Eip':
        add(inputs.tags?.Role === 'nat' ? 'AWS public IPv4 (NAT instance)' : 'AWS public IPv4', 1, AWS_MONTHLY.publicIpv4);
        break;
      case 'vsphere:index/virtualMachine:VirtualMachine':
        vsphereVms++;
        break;
      case 'command:remote:Command':
        // One registered site Mac per install command (infra/site/site-mac-hosts.ts).
        if (site.siteMacMachine) add(`Mac mini ${site.siteMacMachine} (site, amortised)`, 1, siteMacMonthly(site.siteMacMachine));
        break;
    }
  }
  add('Mac host (vSphere site, amortised)', macHostsFor(vsphereVms, site.vmsPerHost), site.macHostMonthly);
  return [...lines.entries()].map(([item, line]) => ({
    item,
    quantity: line.quantity,
    unitMonthly: line.unitMonthly,
    monthly: round(line.quantity * line.unitMonthly),
  }));
}

/** Sum of the lines. */
export function totalMonthly(lines: readonly CostLine[]): number {
  return round(lines.reduce((sum, line) => sum + line.monthly, 0));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A Markdown table of the lines and their total. */
export function renderCostTable(lines: readonly CostLine[]): string {
  const rows = lines.map((line) => `| ${line.item} | ${line.quantity} | ${line.unitMonthly.toFixed(2)} | ${line.monthly.toFixed(2)} |`);
  return [
    '| item | quantity | USD/unit/month | USD/month |',
    '|---|---:|---:|---:|',
    ...rows,
    `| **total** | | | **${totalMonthly(lines).toFixed(2)}** |`,
  ].join('\n');
}
