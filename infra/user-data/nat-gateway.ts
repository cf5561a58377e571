/**
 * The farm's own NAT: a small host with a public address that forwards and masquerades the private
 * hosts' traffic to the internet, instead of a managed NAT gateway (DigitalOcean's VPC NAT
 * gateway, AWS's NAT gateway and its per-GB processing). The same cloud-config boots the
 * DigitalOcean gateway droplet ("droplet as a VPC gateway") and the AWS NAT instance (the
 * "fck-nat" pattern: source/destination check off, the private route tables pointing at its
 * network interface). Pure: `test/infra/nat-gateway.test.ts` loads the rendered rules into a
 * network namespace of its own with the real `nft` and `sysctl`.
 */
import { renderCloudConfig } from './cloud-init.ts';

/** Where the gateway keeps its rules and its forwarding switch. */
export const NAT_FILES = { ruleset: '/etc/nftables.conf', sysctl: '/etc/sysctl.d/90-rfarm-nat.conf' } as const;

/** What a NAT host needs to know. */
export interface NatGatewayInput {
  /** Private ranges whose traffic it forwards to the internet (the VPC's). */
  readonly privateCidrs: readonly string[];
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Raised for a range the rules could not name safely. */
export class NatRangeError extends Error {
  override name = 'NatRangeError';
}

function checkedRanges(cidrs: readonly string[]): string {
  if (cidrs.length === 0) throw new NatRangeError('a NAT host needs at least one private range to forward');
  for (const cidr of cidrs) {
    const match = CIDR.exec(cidr);
    if (!match || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32)
      throw new NatRangeError(`'${cidr}' is not an IPv4 CIDR such as 10.60.0.0/20`);
  }
  return `{ ${cidrs.join(', ')} }`;
}

/**
 * The nftables ruleset: forward only what the private ranges send out (and the replies), and
 * masquerade it behind the host's own address; the host's own traffic is untouched. No interface
 * names, so the same rules fit a droplet (eth0 public, eth1 VPC) and an EC2 instance (one ENI).
 */
export function natRuleset(input: NatGatewayInput): string {
  const ranges = checkedRanges(input.privateCidrs);
  return [
    '#!/usr/sbin/nft -f',
    'table ip rfarm_nat',
    'delete table ip rfarm_nat',
    'table ip rfarm_nat {',
    '  chain forward {',
    '    type filter hook forward priority filter; policy drop;',
    '    ct state established,related accept',
    `    ip saddr ${ranges} ip daddr != ${ranges} accept`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${ranges} ip daddr != ${ranges} masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The commands that turn the files on; also what the test runs in its namespace. */
export const NAT_COMMANDS: readonly string[] = [
  // Only this file: `sysctl --system` would also apply whatever else the image ships.
  `sysctl -p ${NAT_FILES.sysctl}`,
  `nft -f ${NAT_FILES.ruleset}`,
  // Debian's nftables.service loads /etc/nftables.conf at every boot.
  'systemctl enable nftables',
];

/** The NAT host's `#cloud-config`. */
export function renderNatGatewayUserData(input: NatGatewayInput): string {
  return renderCloudConfig({
    packages: ['nftables'],
    files: [
      { path: NAT_FILES.sysctl, content: 'net.ipv4.ip_forward = 1\n' },
      { path: NAT_FILES.ruleset, content: natRuleset(input), permissions: '0755' },
    ],
    commands: [...NAT_COMMANDS],
  });
}

/**
 * `bootcmd` of a DigitalOcean droplet without a public address: its default route goes through the
 * gateway droplet's VPC address. `bootcmd` runs at every boot before packages are installed, so
 * apt already has its way out; it then waits (at most 5 minutes) until a name resolves through it,
 * because the gateway may still be booting when the first builders do.
 */
export function gatewayRouteCommands(gatewayAddress: string): string[] {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(gatewayAddress)) throw new NatRangeError(`gateway address '${gatewayAddress}' is not an IPv4 address`);
  return [`ip route replace default via ${gatewayAddress}`, "timeout 300 sh -c 'until getent hosts deb.debian.org >/dev/null; do sleep 5; done' || true"];
}
