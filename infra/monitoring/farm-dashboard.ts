/** The Grafana dashboard every farm comes up with, and the provisioning files that load it. */
import { stringify } from 'yaml';

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly unit?: string;
}

const PANELS: readonly Panel[] = [
  { title: 'Agents up, by platform', expr: 'sum by (platform) (up{job="agent"})' },
  { title: 'Services up', expr: 'sum by (job) (up{job!="agent"})' },
  { title: 'Control plane CPU', expr: 'rate(process_cpu_seconds_total{job="control-plane"}[5m])', unit: 'percentunit' },
  { title: 'Heap used, by service', expr: 'sum by (job) (nodejs_heap_size_used_bytes)', unit: 'bytes' },
  { title: 'NATS client connections', expr: 'sum(gnatsd_varz_connections)' },
  { title: 'JetStream storage used', expr: 'sum(gnatsd_varz_jetstream_stats_storage)', unit: 'bytes' },
  { title: 'Builder CPU busy', expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', unit: 'percentunit' },
  { title: 'Disk free, by host', expr: 'min by (instance) (node_filesystem_avail_bytes{mountpoint="/"})', unit: 'bytes' },
];

/** The dashboard JSON Grafana loads from its provisioning folder. */
export function farmDashboard(stack: string): Record<string, unknown> {
  return {
    uid: `rfarm-${stack}`,
    title: `rfarm (${stack})`,
    tags: ['rfarm'],
    timezone: 'utc',
    schemaVersion: 39,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    panels: PANELS.map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: 'prometheus' },
      gridPos: { x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
      targets: [{ refId: 'A', expr: panel.expr, datasource: { type: 'prometheus', uid: 'prometheus' } }],
    })),
  };
}

/** Grafana provisioning: the Prometheus and Loki data sources. */
export function grafanaDataSources(prometheusUrl: string, lokiUrl: string): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: prometheusUrl,
        isDefault: true,
        jsonData: { tlsAuthWithCACert: true },
        secureJsonData: { tlsCACert: '$__file{/etc/rfarm/farm-ca.pem}' },
      },
      {
        name: 'Loki',
        uid: 'loki',
        type: 'loki',
        access: 'proxy',
        url: lokiUrl,
        jsonData: { tlsAuthWithCACert: true },
        secureJsonData: { tlsCACert: '$__file{/etc/rfarm/farm-ca.pem}' },
      },
    ],
  });
}

/** Grafana provisioning: load dashboards from a folder. */
export function grafanaDashboardProvider(folder: string): string {
  return stringify({ apiVersion: 1, providers: [{ name: 'rfarm', type: 'file', options: { path: folder } }] });
}
