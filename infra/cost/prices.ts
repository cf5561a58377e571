/**
 * The priced table: monthly list prices (USD) of every size and service the stacks use.
 * Recorded 2025-10-01 from the providers' public price pages (DigitalOcean pricing, AWS EC2
 * on-demand us-east-1 with the Windows licence included); not re-checked since, because this
 * environment has no internet access. A month is 730 hours.
 */

/** When the prices below were recorded. */
export const PRICES_AS_OF = '2025-10-01';

/** Hours in the month AWS and DigitalOcean bill by. */
export const HOURS_PER_MONTH = 730;

/** DigitalOcean Droplets, USD per month. */
export const DROPLET_MONTHLY: Readonly<Record<string, number>> = {
  's-1vcpu-1gb': 6,
  's-1vcpu-2gb': 12,
  's-2vcpu-2gb': 18,
  's-2vcpu-4gb': 24,
  's-4vcpu-8gb': 48,
  's-8vcpu-16gb': 96,
  'c-4': 84,
  'c-8': 168,
};

/** DigitalOcean services, USD per month. */
export const DIGITALOCEAN_MONTHLY = {
  /** Per load-balancer size unit. */
  loadBalancerUnit: 12,
  /** Per GB of block storage. */
  volumeGb: 0.1,
  /** Spaces subscription (250 GB storage, 1 TB transfer included). */
  spaces: 5,
  /** VPC NAT gateway, size 1. */
  natGateway: 40,
  /** Container registry tiers. */
  registry: { starter: 0, basic: 5, professional: 20 } as Readonly<Record<string, number>>,
};

/** AWS EC2 on-demand, USD per hour, us-east-1 (Windows prices include the licence). */
export const EC2_HOURLY: Readonly<Record<string, { linux: number; windows: number }>> = {
  'm7i.large': { linux: 0.1008, windows: 0.1928 },
  'm7i.xlarge': { linux: 0.2016, windows: 0.3856 },
  'm7i.2xlarge': { linux: 0.4032, windows: 0.7712 },
  'c8i.xlarge': { linux: 0.187, windows: 0.371 },
  'c8i.2xlarge': { linux: 0.374, windows: 0.742 },
};

/**
 * AWS EC2 Spot, USD per hour, us-east-1, Linux: the compute part of a Spot host's price (a Windows
 * Spot host pays the Windows licence on top, undiscounted: `EC2_HOURLY[type].windows − .linux`).
 * Added 2026-12-02 as remembered, not fetched (no internet here), unverified like the rest of this
 * file: these types' Spot price history in us-east-1 was remembered as mostly 55–70 % below on
 * demand; each is recorded here at 50 % below (half the on-demand Linux price), the conservative
 * end. A Spot group spreads over several types of the same shape (infra/aws/spot-instance-types.ts)
 * and takes the cheapest with capacity, so the configured type's price is an upper estimate of those.
 */
export const EC2_SPOT_HOURLY: Readonly<Record<string, number>> = {
  'm7i.large': 0.0504,
  'm7i.xlarge': 0.1008,
  'm7i.2xlarge': 0.2016,
};

/** When and how EC2_SPOT_HOURLY was recorded, for the cost report. */
export const SPOT_PRICES_SOURCE = '2026-12-02, as remembered (not fetched, unverified): half the on-demand Linux price';

/**
 * AWS EC2 on-demand Graviton (arm64, Linux only), USD per hour, us-east-1: the NAT instance. Added
 * 2026-12-02 from the public price page as remembered, not fetched (no internet here): unverified
 * like the rest of this file. Baseline network bandwidth as remembered, equally unverified: t4g.nano
 * 32 Mbit/s, t4g.micro 64 Mbit/s (bursting to 5 Gbit/s on credits).
 */
export const EC2_ARM_HOURLY: Readonly<Record<string, number>> = {
  't4g.nano': 0.0042,
  't4g.micro': 0.0084,
  't4g.small': 0.0168,
};

/** AWS services, USD per month. */
export const AWS_MONTHLY = {
  /** NAT gateway hours (data processing extra). */
  natGateway: 0.045 * HOURS_PER_MONTH,
  /** Public IPv4 address (Elastic IP). */
  publicIpv4: 0.005 * HOURS_PER_MONTH,
  /** Per GB of gp3. */
  gp3Gb: 0.08,
};

/**
 * Owned Mac minis at the farm's site (macOS arm64 instead of EC2 Mac hosts), amortised. Added
 * 2026-12-02; the purchase price is Apple's US list price as remembered (Mac mini M2, 16 GB,
 * 256 GB), not fetched, unverified like the rest of this file; the life and the site's share are
 * assumptions, not prices: 36 months of use, and $25 a month of rack space, power and network.
 */
export const SITE_MAC: Readonly<Record<string, { readonly purchaseUsd: number; readonly months: number; readonly siteMonthlyUsd: number }>> = {
  'mac-mini-m2-16gb': { purchaseUsd: 799, months: 36, siteMonthlyUsd: 25 },
};

/** The r-hub proposal's estimate of the farm's running cost after the first year, USD per month. */
export const RHUB_PROPOSAL_MONTHLY = 2112;

/**
 * Added 2026-12-01 for the elastic estimate, from the same public AWS price pages as remembered,
 * not fetched (no internet here): unverified like the rest of this file.
 */
export const AWS_PER_GB = {
  /** NAT gateway data processing, per GB through the gateway. */
  natProcessing: 0.045,
  /** Data out from EC2 to the internet, per GB (first tier). */
  internetEgress: 0.09,
};

/**
 * EC2 Mac dedicated hosts, USD per hour while allocated (us-east-1; a host is allocated for at least
 * 24 hours, and the instance on it costs nothing more). Added 2026-12-01 from the public price page
 * as remembered, not fetched: unverified like the rest of this file.
 */
export const EC2_MAC_HOST_HOURLY: Readonly<Record<string, number>> = {
  'mac2.metal': 0.65,
  'mac2-m2.metal': 0.878,
};
