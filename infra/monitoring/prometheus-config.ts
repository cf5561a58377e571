/**
 * Prometheus configuration: scrape every node inside the DigitalOcean VPC by its private
 * address; nodes elsewhere remote-write through Alloy (see alloy-config.ts).
 *
 * In the cloud the nodes are found by DigitalOcean service discovery, by the `stack:` and `role:`
 * tags every droplet carries (infra/naming.ts), not listed by address: the monitoring droplet's
 * user data then names no other host, so replacing a builder, or the scaler adding one, changes
 * nothing on the monitoring droplet (issue 13, defect 11). Static targets remain for running the
 * rendered config where there is no DigitalOcean API (the local rehearsal, tests).
 */
import { stringify } from 'yaml';
import { AGENT_SHARING } from '../sizing.ts';
import { agentMetricsPort } from '../user-data/agent-environment.ts';
import { PORTS } from '../digitalocean/firewall-rules.ts';
import type { Role } from '../naming.ts';
import { ALERT_RULES_PATH } from './alert-rules.ts';

/** The private addresses of the VPC's nodes, by role. */
export interface ScrapeTargets {
  readonly controlPlane: readonly string[];
  readonly nats: readonly string[];
  readonly monitoring: readonly string[];
  readonly logs: readonly string[];
  /** Linux builders, with the platform each serves and how many agents it runs (default 1). */
  readonly builders: readonly { readonly address: string; readonly platformId: string; readonly agents?: number }[];
}

/**
 * How Prometheus finds its targets: `digitalocean` asks the DigitalOcean API (a read-only token
 * in `tokenFile`) every `refresh`; `static` lists them.
 */
export type TargetDiscovery = { readonly kind: 'digitalocean'; readonly tokenFile: string } | { readonly kind: 'static'; readonly targets: ScrapeTargets };

/** Where the monitoring droplet keeps the discovery token (root:prometheus 0640). */
export const DISCOVERY_TOKEN_FILE = '/etc/prometheus/digitalocean-token';

/**
 * Renders prometheus.yml. A builder runs one agent per build slot, each on its own metrics port
 * (agentMetricsPort): every agent target is labelled `agent="<slot>"`. In the cloud there is a job
 * per slot up to the most any builder may run (`agentsPerBuilder`, AGENT_SHARING.maxAgents), each
 * selecting droplets by their `agents:<n>` tag, so resizing builders changes nothing here.
 */
export function renderPrometheusConfig(stack: string, discovery: TargetDiscovery, agentsPerBuilder: number = AGENT_SHARING.maxAgents): string {
  const config = {
    global: { scrape_interval: '30s', evaluation_interval: '30s', external_labels: { stack } },
    rule_files: [ALERT_RULES_PATH],
    scrape_configs: discovery.kind === 'static' ? staticJobs(discovery.targets) : discoveredJobs(stack, discovery.tokenFile, agentsPerBuilder),
  };
  return stringify(config, { lineWidth: 0 });
}

function staticJobs(targets: ScrapeTargets): object[] {
  const at = (addresses: readonly string[], port: number) => addresses.map((address) => `${address}:${port}`);
  const allNodes = [...targets.controlPlane, ...targets.nats, ...targets.monitoring, ...targets.logs, ...targets.builders.map((builder) => builder.address)];
  return [
    { job_name: 'control-plane', static_configs: [{ targets: at(targets.controlPlane, PORTS.controlPlane) }] },
    { job_name: 'sysreqs', static_configs: [{ targets: at(targets.controlPlane, PORTS.sysreqs) }] },
    { job_name: 'nats', static_configs: [{ targets: at(targets.nats, PORTS.natsExporter) }] },
    {
      job_name: 'agent',
      static_configs: targets.builders.flatMap((builder) =>
        Array.from({ length: builder.agents ?? 1 }, (_, index) => ({
          targets: [`${builder.address}:${agentMetricsPort(index + 1)}`],
          labels: { platform: builder.platformId, agent: String(index + 1) },
        })),
      ),
    },
    { job_name: 'node', static_configs: [{ targets: at(allNodes, PORTS.nodeExporter) }] },
  ];
}

/** Prometheus joins a droplet's tags with commas and puts one at each end: `,rfarm,stack:dev,role:nats,`. */
const tagged = (tag: string) => `.*,${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},.*`;

/** Scrape jobs over DigitalOcean service discovery: the droplets of this stack with `role`, at their private address. */
function discoveredJob(stack: string, tokenFile: string, jobName: string, port: number, role?: Role): object {
  const keep = (tag: string) => ({ source_labels: ['__meta_digitalocean_tags'], regex: tagged(tag), action: 'keep' });
  return {
    job_name: jobName,
    digitalocean_sd_configs: [{ authorization: { credentials_file: tokenFile }, port, refresh_interval: '1m' }],
    relabel_configs: [
      keep(`stack:${stack}`),
      ...(role ? [keep(`role:${role}`)] : []),
      { source_labels: ['__meta_digitalocean_private_ipv4'], regex: '(.+)', target_label: '__address__', replacement: `\${1}:${port}` },
      { source_labels: ['__meta_digitalocean_droplet_name'], target_label: 'instance' },
      { source_labels: ['__meta_digitalocean_tags'], regex: '.*,platform:([^,]+),.*', target_label: 'platform', replacement: '$1' },
    ],
  };
}

/**
 * The scrape job of every builder's `slot`-th agent: slot 1 on every builder, slot n only on droplets
 * tagged `agents:<m>` with m ≥ n (infra/naming.ts `agentsTag`). Each is its own job (one port per
 * job), relabelled to job `agent` with the slot in label `agent`.
 */
function discoveredAgentJob(stack: string, tokenFile: string, slot: number, most: number): object {
  const job = discoveredJob(stack, tokenFile, slot === 1 ? 'agent' : `agent-${slot}`, agentMetricsPort(slot), 'builder') as { relabel_configs: object[] };
  const counts = Array.from({ length: most - slot + 1 }, (_, index) => slot + index).join('|');
  const only = slot === 1 ? [] : [{ source_labels: ['__meta_digitalocean_tags'], regex: `.*,agents:(${counts}),.*`, action: 'keep' }];
  const label = (target: string, value: string) => ({
    source_labels: ['__meta_digitalocean_droplet_name'],
    regex: '(.+)',
    target_label: target,
    replacement: value,
  });
  return { ...job, relabel_configs: [...only, ...job.relabel_configs, label('job', 'agent'), label('agent', String(slot))] };
}

function discoveredJobs(stack: string, tokenFile: string, agentsPerBuilder: number): object[] {
  const most = Math.max(1, Math.floor(agentsPerBuilder));
  return [
    discoveredJob(stack, tokenFile, 'control-plane', PORTS.controlPlane, 'control-plane'),
    discoveredJob(stack, tokenFile, 'sysreqs', PORTS.sysreqs, 'control-plane'),
    discoveredJob(stack, tokenFile, 'nats', PORTS.natsExporter, 'nats'),
    ...Array.from({ length: most }, (_, index) => discoveredAgentJob(stack, tokenFile, index + 1, most)),
    discoveredJob(stack, tokenFile, 'node', PORTS.nodeExporter),
  ];
}

/** Prometheus `web.yml`: TLS on the remote-write endpoint that agents outside the VPC push to. */
export function renderPrometheusWebConfig(certFile: string, keyFile: string): string {
  return stringify({ tls_server_config: { cert_file: certFile, key_file: keyFile } });
}
