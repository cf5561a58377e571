/**
 * Grafana Alloy configuration for one host. Alloy is the farm's shipper: every host sends its
 * logs to Loki on the log server; hosts outside the DigitalOcean VPC (AWS, vSphere) also scrape
 * their own `/metrics` and remote-write them to Prometheus, which cannot reach them directly.
 * Inside the VPC Prometheus scrapes each node itself.
 */

/** Where a host's logs come from. */
export type LogSource = 'journal' | 'windows-event-log' | 'files';

/** What one host ships. */
export interface AlloyHost {
  readonly stack: string;
  readonly role: string;
  readonly platformId?: string;
  readonly logSource: LogSource;
  /** Log files to tail when `logSource` is `files` (macOS). */
  readonly logFiles?: readonly string[];
  /** Loki push endpoint, e.g. https://logs.farm.example.org:3100/loki/api/v1/push. */
  readonly lokiUrl: string;
  /** Prometheus remote-write endpoint; set for hosts Prometheus cannot scrape. */
  readonly remoteWriteUrl?: string;
  /** Local `/metrics` endpoints to scrape and push (host:port). */
  readonly localTargets?: readonly { readonly job: string; readonly address: string }[];
  /** CA file the farm's TLS endpoints are signed by. */
  readonly caFile: string;
}

/** Renders `config.alloy`. */
export function renderAlloyConfig(host: AlloyHost): string {
  const labels = [`stack = "${host.stack}"`, `role = "${host.role}"`, ...(host.platformId ? [`platform = "${host.platformId}"`] : [])].join(', ');
  const tls = `tls_config {\n      ca_file = "${host.caFile.replace(/\\/g, '\\\\')}"\n    }`;
  const blocks: string[] = [
    `loki.write "farm" {\n  endpoint {\n    url = "${host.lokiUrl}"\n    ${tls}\n  }\n  external_labels = { ${labels} }\n}`,
    logSourceBlock(host),
  ];
  if (host.remoteWriteUrl && host.localTargets && host.localTargets.length > 0) {
    const targets = host.localTargets.map((target) => `{ "__address__" = "${target.address}", "job" = "${target.job}" }`).join(', ');
    blocks.push(
      `prometheus.scrape "local" {\n  targets = [${targets}]\n  scrape_interval = "30s"\n  forward_to = [prometheus.remote_write.farm.receiver]\n}`,
      `prometheus.remote_write "farm" {\n  endpoint {\n    url = "${host.remoteWriteUrl}"\n    ${tls}\n  }\n  external_labels = { ${labels} }\n}`,
    );
  }
  return blocks.join('\n\n') + '\n';
}

function logSourceBlock(host: AlloyHost): string {
  switch (host.logSource) {
    case 'journal':
      return `loki.source.journal "system" {\n  forward_to = [loki.write.farm.receiver]\n  labels = { job = "journal" }\n}`;
    case 'windows-event-log':
      return `loki.source.windowsevent "application" {\n  eventlog_name = "Application"\n  forward_to = [loki.write.farm.receiver]\n}`;
    case 'files': {
      const targets = (host.logFiles ?? []).map((path) => `{ "__path__" = "${path}", "job" = "files" }`).join(', ');
      return `loki.source.file "files" {\n  targets = [${targets}]\n  forward_to = [loki.write.farm.receiver]\n}`;
    }
  }
}
