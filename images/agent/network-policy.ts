/**
 * The `egress` network policy as rules: a check that may open connections to the internet and to
 * nothing of the farm's. Pure: it returns the commands that make one build's network namespace and
 * the nftables ruleset that fences it; the sandbox applies them around `bwrap --share-net`
 * (run as `ip netns exec <namespace> bwrap …`) and removes them after the build.
 *
 * The design, in short: the check gets its own network namespace joined to the host by a veth
 * pair on a /30 and leaves through the host's uplink with masquerade. On the host side, in its own
 * nftables table (priority ahead of the host's own rules, so it only ever drops more):
 * - nothing from the sandbox reaches the host itself (input: drop), so no agent, metrics or
 *   sysreqs port on the host is reachable;
 * - forwarded traffic to link-local (169.254.0.0/16: the cloud metadata service at
 *   169.254.169.254), private, shared and loopback ranges, the farm's own addresses (NATS, the
 *   control plane, the VPC) and multicast is dropped; IPv6 is dropped entirely (the metadata service
 *   also answers at fd00:ec2::254);
 * - outbound mail ports are dropped (a check never needs to send mail; a spammer would);
 * - new connections are rate-limited; replies come back (established, related), nothing new comes in;
 * - DNS goes only to the resolvers named, which may sit inside a blocked range.
 */

/** What one build's egress needs to know about the host. */
export interface EgressArgs {
  /** A short id of the build (letters and digits), unique on the host while it runs. */
  readonly buildId: string;
  /** The /30's index on this host (0 … 16383), so concurrent builds' links do not collide. */
  readonly slot: number;
  /** The host's outward interface, e.g. eth0. */
  readonly uplink: string;
  /** The farm's own addresses and networks (CIDR or address): NATS, the control plane, the VPC. */
  readonly farmNetworks: readonly string[];
  /** IPv4 DNS resolvers the check may ask (only on port 53). */
  readonly dnsServers: readonly string[];
  /** Most new outbound connections per second. Default 20. */
  readonly connectionsPerSecond?: number;
}

/** What the sandbox runs: setup before the build, teardown after, and the files it mounts. */
export interface EgressPlan {
  /** The network namespace the sandbox runs in (`ip netns exec <namespace> …`). */
  readonly namespace: string;
  /** Commands to run as root, in order, before the build. */
  readonly setup: readonly (readonly string[])[];
  /** Commands that undo `setup`; each may fail harmlessly if its part is gone. */
  readonly teardown: readonly (readonly string[])[];
  /** The nftables ruleset `setup` loads (`nft -f -` with this on stdin). */
  readonly ruleset: string;
  /** The sandbox's /etc/resolv.conf. */
  readonly resolvConf: string;
  /** The host's and the sandbox's address on the link. */
  readonly hostAddress: string;
  readonly sandboxAddress: string;
}

/** Raised when the arguments cannot make a safe plan. */
export class EgressPlanError extends Error {
  override name = 'EgressPlanError';
}

/** Never reachable from a check, whatever the farm's own list says. */
export const ALWAYS_BLOCKED_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

/** Ports a check never needs and an abuser would use: outbound mail. */
export const BLOCKED_PORTS = [25, 465, 587] as const;

/** Where the builds' /30 links live: 10.203.0.0/16 (itself inside a blocked range, so one sandbox cannot reach another). */
const LINK_BASE = [10, 203];

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

function validIpv4(text: string): boolean {
  const match = IPV4.exec(text);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const prefix = match[6] === undefined ? 32 : Number(match[6]);
  return octets.every((octet) => octet <= 255) && prefix <= 32;
}

/** Makes the plan for one build; throws EgressPlanError on arguments that would make it unsafe. */
export function egressPlan(args: EgressArgs): EgressPlan {
  if (!/^[a-z0-9]{1,8}$/.test(args.buildId)) throw new EgressPlanError(`build id '${args.buildId}' must be 1-8 lower-case letters or digits (it names interfaces)`);
  if (!Number.isInteger(args.slot) || args.slot < 0 || args.slot > 16383) throw new EgressPlanError(`slot ${args.slot} must be a whole number 0-16383`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(args.uplink)) throw new EgressPlanError(`uplink '${args.uplink}' is not an interface name`);
  for (const network of args.farmNetworks) if (!validIpv4(network)) throw new EgressPlanError(`farm network '${network}' is not an IPv4 address or CIDR`);
  for (const server of args.dnsServers) if (!validIpv4(server) || server.includes('/')) throw new EgressPlanError(`DNS server '${server}' is not an IPv4 address`);
  if (args.dnsServers.length === 0) throw new EgressPlanError('name at least one DNS server: without one the check can reach only literal addresses');
  const rate = args.connectionsPerSecond ?? 20;

  const namespace = `rfarm-${args.buildId}`;
  const hostInterface = `rfh-${args.buildId}`;
  const sandboxInterface = `rfs-${args.buildId}`;
  const base = args.slot * 4;
  const subnet = `${LINK_BASE[0]}.${LINK_BASE[1]}.${Math.floor(base / 256)}`;
  const hostAddress = `${subnet}.${(base % 256) + 1}`;
  const sandboxAddress = `${subnet}.${(base % 256) + 2}`;
  const table = `rfarm_${args.buildId}`;
  const blocked = [...new Set([...ALWAYS_BLOCKED_IPV4, ...args.farmNetworks])];
  const dns = args.dnsServers.join(', ');

  const ruleset = [
    `table inet ${table} {`,
    '  set blocked_ipv4 {',
    '    type ipv4_addr; flags interval; auto-merge',
    `    elements = { ${blocked.join(', ')} }`,
    '  }',
    '  chain input {',
    '    type filter hook input priority filter - 10; policy accept;',
    `    iifname "${hostInterface}" drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter - 10; policy accept;',
    `    oifname "${hostInterface}" ct state established,related accept`,
    `    oifname "${hostInterface}" drop`,
    `    iifname "${hostInterface}" meta nfproto ipv6 drop`,
    `    iifname "${hostInterface}" ip saddr != ${sandboxAddress} drop`,
    `    iifname "${hostInterface}" ip daddr { ${dns} } meta l4proto { tcp, udp } th dport 53 accept`,
    `    iifname "${hostInterface}" ip daddr @blocked_ipv4 drop`,
    `    iifname "${hostInterface}" tcp dport { ${BLOCKED_PORTS.join(', ')} } drop`,
    `    iifname "${hostInterface}" ct state new limit rate over ${rate}/second burst ${rate * 2} packets drop`,
    `    iifname "${hostInterface}" oifname "${args.uplink}" accept`,
    `    iifname "${hostInterface}" drop`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${sandboxAddress} oifname "${args.uplink}" masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');

  const setup: string[][] = [
    ['ip', 'netns', 'add', namespace],
    ['ip', 'link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', sandboxInterface, 'netns', namespace],
    ['ip', 'addr', 'add', `${hostAddress}/30`, 'dev', hostInterface],
    ['ip', 'link', 'set', hostInterface, 'up'],
    ['ip', '-n', namespace, 'addr', 'add', `${sandboxAddress}/30`, 'dev', sandboxInterface],
    ['ip', '-n', namespace, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', namespace, 'link', 'set', sandboxInterface, 'up'],
    ['ip', '-n', namespace, 'route', 'add', 'default', 'via', hostAddress],
    // The ruleset goes in before forwarding is on, so no packet passes unfenced.
    ['nft', '-f', '-'],
    ['sysctl', '-w', `net.ipv4.conf.${hostInterface}.forwarding=1`],
    ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
  ];
  const teardown: string[][] = [
    ['nft', 'delete', 'table', 'inet', table],
    ['ip', 'netns', 'delete', namespace],
  ];
  const resolvConf = `${args.dnsServers.map((server) => `nameserver ${server}`).join('\n')}\noptions timeout:2 attempts:2\n`;
  return { namespace, setup, teardown, ruleset, resolvConf, hostAddress, sandboxAddress };
}
