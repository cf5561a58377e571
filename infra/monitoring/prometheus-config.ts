/**
 * Prometheus configuration: scrape every node inside the DigitalOcean VPC by its private
 * address; nodes elsewhere remote-write through Alloy (see alloy-config.ts).
 */
import { stringify } from 'yaml';
import { AGENT_PORT } from '../user-data/agent-environment.ts';
import { PORTS } from '../digitalocean/firewall-rules.ts';

/** The private addresses of the VPC's nodes, by role. */
export interface ScrapeTargets {
  readonly controlPlane: readonly string[];
  readonly nats: readonly string[];
  readonly monitoring: readonly string[];
  readonly logs: readonly string[];
  /** Linux builders, with the platform each serves. */
  readonly builders: readonly { readonly address: string; readonly platformId: string }[];
}

/** Renders prometheus.yml. */
export function renderPrometheusConfig(stack: string, targets: ScrapeTargets): string {
  const at = (addresses: readonly string[], port: number) => addresses.map((address) => `${address}:${port}`);
  const allNodes = [...targets.controlPlane, ...targets.nats, ...targets.monitoring, ...targets.logs, ...targets.builders.map((builder) => builder.address)];
  const config = {
    global: { scrape_interval: '30s', evaluation_interval: '30s', external_labels: { stack } },
    scrape_configs: [
      { job_name: 'control-plane', static_configs: [{ targets: at(targets.controlPlane, PORTS.controlPlane) }] },
      { job_name: 'sysreqs', static_configs: [{ targets: at(targets.controlPlane, PORTS.sysreqs) }] },
      { job_name: 'nats', static_configs: [{ targets: at(targets.nats, PORTS.natsExporter) }] },
      {
        job_name: 'agent',
        static_configs: targets.builders.map((builder) => ({ targets: [`${builder.address}:${AGENT_PORT}`], labels: { platform: builder.platformId } })),
      },
      { job_name: 'node', static_configs: [{ targets: at(allNodes, PORTS.nodeExporter) }] },
    ],
  };
  return stringify(config, { lineWidth: 0 });
}

/** Prometheus `web.yml`: TLS on the remote-write endpoint that agents outside the VPC push to. */
export function renderPrometheusWebConfig(certFile: string, keyFile: string): string {
  return stringify({ tls_server_config: { cert_file: certFile, key_file: keyFile } });
}
