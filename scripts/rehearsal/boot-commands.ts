/**
 * What the rehearsal does with each `runcmd` line of a host's cloud-config: run it in the host's
 * container, start the systemd units it enables, or skip it for a stated reason (the internet, a
 * block volume, this machine's firewall). Pure: the decision only.
 */

/** The rehearsal's decision about one boot command. */
export type BootStep =
  | { readonly kind: 'run'; readonly command: string }
  | { readonly kind: 'start'; readonly command: string; readonly units: readonly string[] }
  | { readonly kind: 'skip'; readonly command: string; readonly reason: string };

const RULES: readonly { readonly test: RegExp; readonly reason: string }[] = [
  {
    test: /^ip route replace default via |getent hosts deb\.debian\.org/,
    reason:
      "routes the droplet through the VPC gateway's private address; here every host shares this machine's loopback network (the gateway's own rules are loaded in a network namespace of their own)",
  },
  {
    test: /apt\.grafana\.com|install -y (alloy|grafana|loki)\b|enable --now (alloy|grafana-server)\b|enable --now loki|-g (grafana|loki)\b|install -d -o loki/,
    reason: "Grafana's apt repository (Alloy, Grafana, Loki) is not reachable here",
  },
  {
    test: /https?:\/\/(?!.*>\s*\/etc\/apt)/,
    reason: 'downloads from the internet (GitHub, nodesource), not reachable here; the rehearsal mounts the same program instead',
  },
  { test: /\/dev\/disk\/by-id|mkfs|mount -a|\/etc\/fstab/, reason: 'no block volume here: /data is the container’s own directory' },
  { test: /\biptables\b/, reason: "would change this machine's firewall; there is no metadata service here to keep builds from" },
  { test: /systemctl daemon-reload|docker pull/, reason: 'no systemd / registry here: the rehearsal starts the units itself from their files' },
  {
    test: /apt-get install -y nodejs/,
    reason: "nodesource's apt repository (its setup script is skipped) provides it; this machine's Node 20 is mounted instead",
  },
  { test: /git clone|npm ci/, reason: 'the checkout is mounted read-only at /opt/rfarm instead of cloned (no GitHub here)' },
];

/** Classifies one `runcmd` line. */
export function bootStep(command: string): BootStep {
  for (const rule of RULES) if (rule.test.test(command)) return { kind: 'skip', command, reason: rule.reason };
  const start = /^systemctl (?:enable --now|restart|start) ([\w@. -]+?)(?:\s*&&.*)?$/.exec(command);
  if (start) return { kind: 'start', command, units: start[1].split(/\s+/).filter(Boolean) };
  return { kind: 'run', command };
}
