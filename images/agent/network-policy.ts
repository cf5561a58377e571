/**
 * The `egress` network policy as commands and rules: a check that may open connections to the
 * internet and to nothing of the farm's. Pure: egress-network.ts runs what this returns.
 *
 * The design (README, "Network policy"): each build gets its own network namespace, held open by a
 * small holder process for the length of the build. slirp4netns (user-mode networking, the one
 * rootless podman uses) gives it a tap device and carries its connections out as ordinary sockets
 * of the agent's own namespace. The fence is an nftables table *inside the build's namespace*,
 * loaded by the holder before any build process exists; the build runs in a nested user namespace
 * with no capability over that namespace, so it cannot change the rules:
 * - outbound only: nothing new comes in; replies come back;
 * - never to loopback-only or private, shared, link-local (169.254.169.254: cloud metadata),
 *   multicast or reserved IPv4 ranges, nor to the farm's own addresses or any address of the host;
 *   slirp's own gateway (10.0.2.2, which would be the host's loopback) is refused twice: by the
 *   rules and by `--disable-host-loopback`;
 * - no IPv6 at all (the metadata service also answers at fd00:ec2::254): slirp4netns gives none
 *   and the rules drop it;
 * - DNS only through slirp's resolver (10.0.2.3, port 53), which asks the host's;
 * - no outbound mail ports; new connections rate-limited.
 * A root agent makes the namespace as root and drops to the build's uid after joining it; an
 * agent that is not root makes it in a user namespace of its own (needs /dev/net/tun open to it).
 */

/** Raised when the arguments cannot make a safe policy. */
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

/** slirp4netns's fixed addresses on its default 10.0.2.0/24 (itself inside a blocked range). */
export const SLIRP = { tap: 'tap0', dns: '10.0.2.3', mtu: 65520 } as const;

/** The sandbox's /etc/resolv.conf under `egress`: slirp's resolver only. */
export const EGRESS_RESOLV_CONF = `nameserver ${SLIRP.dns}\noptions timeout:2 attempts:2\n`;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

/** Whether `text` is an IPv4 address or CIDR. */
export function validIpv4(text: string): boolean {
  const match = IPV4.exec(text);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const prefix = match[6] === undefined ? 32 : Number(match[6]);
  return octets.every((octet) => octet <= 255) && prefix <= 32;
}

/** What the fence must know. */
export interface EgressRulesArgs {
  /** The farm's own addresses and networks (IPv4 address or CIDR): NATS, the control plane, sysreqs. */
  readonly farmNetworks: readonly string[];
  /** Every IPv4 address of the host (of the agent's network namespace): its services listen there. */
  readonly hostAddresses: readonly string[];
  /** Most new outbound connections per second. Default 20. */
  readonly connectionsPerSecond?: number;
}

/** The nftables ruleset the holder loads into the build's own namespace (`nft -f -`). */
export function egressRuleset(args: EgressRulesArgs): string {
  for (const network of [...args.farmNetworks, ...args.hostAddresses]) {
    if (!validIpv4(network)) throw new EgressPlanError(`'${network}' is not an IPv4 address or CIDR`);
  }
  const rate = args.connectionsPerSecond ?? 20;
  if (!Number.isInteger(rate) || rate < 1) throw new EgressPlanError(`connections per second ${rate} must be a whole number of at least 1`);
  const blocked = [...new Set([...ALWAYS_BLOCKED_IPV4, ...args.farmNetworks, ...args.hostAddresses])];
  return [
    'table inet rfarm_egress {',
    '  set blocked_ipv4 {',
    '    type ipv4_addr; flags interval; auto-merge',
    `    elements = { ${blocked.join(', ')} }`,
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy drop;',
    '    oifname "lo" accept',
    '    meta nfproto ipv6 drop',
    `    ip daddr ${SLIRP.dns} meta l4proto { tcp, udp } th dport 53 accept`,
    '    ip daddr @blocked_ipv4 drop',
    `    tcp dport { ${BLOCKED_PORTS.join(', ')} } drop`,
    `    ct state new limit rate over ${rate}/second burst ${rate * 2} packets drop`,
    `    oifname "${SLIRP.tap}" accept`,
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy drop;',
    '    iifname "lo" accept',
    '    ct state established,related accept',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * The holder: makes the namespace (and, for an agent that is not root, a user namespace owning
 * it), brings loopback up, loads the ruleset from stdin, says `ready`, and sleeps until killed
 * (or until the agent dies: parent-death signal).
 */
export function holderArgv(ownUserNamespace: boolean): string[] {
  const script = 'set -e; ip link set lo up; nft -f -; echo ready; exec sleep infinity';
  const unshare = ownUserNamespace ? ['unshare', '--user', '--map-root-user', '--net'] : ['unshare', '--net'];
  return ['setpriv', '--pdeathsig', 'KILL', '--', ...unshare, '--', 'sh', '-c', script];
}

/** slirp4netns attached to the holder's namespace; it writes to `readyFd` once the tap is up. */
export function slirpArgv(holderPid: number, ownUserNamespace: boolean, readyFd: number): string[] {
  return [
    'setpriv',
    '--pdeathsig',
    'KILL',
    '--',
    'slirp4netns',
    '--configure',
    `--mtu=${SLIRP.mtu}`,
    '--disable-host-loopback',
    '--enable-sandbox',
    '--enable-seccomp',
    `--ready-fd=${readyFd}`,
    ...(ownUserNamespace ? [`--userns-path=/proc/${holderPid}/ns/user`] : []),
    String(holderPid),
    SLIRP.tap,
  ];
}

/** A build's network namespace, held open by the process `pid`. */
export interface NetworkNamespace {
  readonly pid: number;
  /** Made in a user namespace of the agent's (an agent that is not root): join that too. */
  readonly ownUserNamespace: boolean;
}

/**
 * The argv prefix that runs the rest of a sandbox's command in `namespace`. A root agent joins it
 * before dropping to the build's uid (joining needs the privilege); an agent that is not root
 * joins its own user namespace along with it, keeping its uid.
 */
export function joinNamespaceArgv(namespace: NetworkNamespace): string[] {
  const net = `--net=/proc/${namespace.pid}/ns/net`;
  return namespace.ownUserNamespace ? ['nsenter', '--preserve-credentials', `--user=/proc/${namespace.pid}/ns/user`, net, '--'] : ['nsenter', net, '--'];
}
