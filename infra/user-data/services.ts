/**
 * cloud-init for the farm's own services on DigitalOcean: NATS nodes, control plane (with
 * sysreqs), the monitoring droplet (Prometheus + Grafana) and the log server (Loki). Every host
 * also runs node_exporter and ships its journal to Loki through Grafana Alloy.
 */
import { ALERT_RULES_PATH, renderAlertRules } from '../monitoring/alert-rules.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import { farmDashboard, grafanaDashboardProvider, grafanaDataSources } from '../monitoring/farm-dashboard.ts';
import { DISCOVERY_TOKEN_FILE, renderPrometheusWebConfig } from '../monitoring/prometheus-config.ts';
import { NATS_EXPORTER_VERSION, NATS_PATHS, NATS_SERVER_VERSION } from '../nats/server-config.ts';
import type { FarmTls } from '../stack-config.ts';
import { installAlloyCommands, renderCloudConfig, type CloudFile } from './cloud-init.ts';
import { gatewayRouteCommands } from './nat-gateway.ts';
import { envFile } from './agent-environment.ts';
import { mountVolumeCommands } from './volume.ts';

/** What every service host needs. */
export interface ServiceHost {
  readonly stack: string;
  readonly role: string;
  /** Loki push endpoint reachable from inside the VPC. */
  readonly lokiUrl: string;
  readonly tls: FarmTls;
}

const CA_PATH = '/etc/rfarm/farm-ca.pem';

function baseFiles(host: ServiceHost): CloudFile[] {
  return [
    { path: CA_PATH, content: host.tls.ca },
    {
      path: '/etc/alloy/config.alloy',
      content: renderAlloyConfig({ stack: host.stack, role: host.role, logSource: 'journal', lokiUrl: host.lokiUrl, caFile: CA_PATH }),
    },
  ];
}

function serverTlsFiles(tls: FarmTls, certPath: string, keyPath: string, owner = 'root'): CloudFile[] {
  return [
    { path: certPath, content: `${tls.cert}\n${tls.ca}` },
    { path: keyPath, content: tls.key, permissions: owner === 'root' ? '0600' : '0640' },
  ];
}

function systemdUnit(description: string, execStart: string, extra: string[] = []): string {
  return [
    '[Unit]',
    `Description=${description}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    ...extra,
    `ExecStart=${execStart}`,
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** A NATS cluster node: the server from its pinned release, its config, JetStream on the volume, the exporter. */
export function renderNatsNodeUserData(host: ServiceHost, natsConfig: string, volumeName: string): string {
  const release = `nats-server-v${NATS_SERVER_VERSION}-linux-amd64`;
  // The exporter's release archives say x86_64 where nats-server's say amd64 (its .goreleaser.yml).
  const exporter = `prometheus-nats-exporter-v${NATS_EXPORTER_VERSION}-linux-x86_64`;
  return renderCloudConfig({
    packages: ['curl', 'gpg', 'prometheus-node-exporter'],
    files: [
      ...baseFiles(host),
      ...serverTlsFiles(host.tls, NATS_PATHS.cert, NATS_PATHS.key),
      { path: NATS_PATHS.config, content: natsConfig },
      {
        path: '/etc/systemd/system/nats-server.service',
        content: systemdUnit('NATS server', `/usr/local/bin/nats-server -c ${NATS_PATHS.config}`, ['LimitNOFILE=65536']),
      },
      {
        path: '/etc/systemd/system/nats-exporter.service',
        content: systemdUnit('NATS Prometheus exporter', '/usr/local/bin/prometheus-nats-exporter -varz -connz -jsz=all -port 7777 http://127.0.0.1:8222'),
      },
    ],
    commands: [
      ...mountVolumeCommands(volumeName, '/data'),
      `mkdir -p ${NATS_PATHS.store}`,
      `curl -fsSL https://github.com/nats-io/nats-server/releases/download/v${NATS_SERVER_VERSION}/${release}.tar.gz | tar -xz -C /tmp && install /tmp/${release}/nats-server /usr/local/bin/`,
      `curl -fsSL https://github.com/nats-io/prometheus-nats-exporter/releases/download/v${NATS_EXPORTER_VERSION}/${exporter}.tar.gz | tar -xz -C /tmp && install /tmp/prometheus-nats-exporter /usr/local/bin/`,
      'systemctl daemon-reload',
      'systemctl enable --now nats-server nats-exporter',
      ...installAlloyCommands(),
    ],
  });
}

/** The control plane and sysreqs services, run from a checkout of the farm with Node 20. */
export interface ControlPlaneHost extends ServiceHost {
  readonly sourceRepo: string;
  readonly sourceRef: string;
  /** Environment of control-plane/main.ts (secrets included: this user-data is a secret output). */
  readonly controlPlaneEnv: Record<string, string>;
  readonly natsCreds: string;
  /** The scaler (scaler/main.ts) with its environment and NATS credentials; on one control-plane host only. */
  readonly scaler?: { readonly env: Record<string, string>; readonly natsCreds: string };
  /** The backup service (backup/main.ts) with its environment and NATS credentials; on one control-plane host only. */
  readonly backup?: { readonly env: Record<string, string>; readonly natsCreds: string };
  /** VPC address of the gateway droplet the control plane's default route goes through (it has no public address). */
  readonly egressGateway?: string;
}

/** A side service's files and unit (`rfarm-<name>`), when this host runs it. */
function sideServiceFiles(name: 'scaler' | 'backup', service: ControlPlaneHost['scaler']): CloudFile[] {
  if (!service) return [];
  return [
    { path: `/etc/rfarm/${name}.creds`, content: service.natsCreds, permissions: '0600' },
    { path: `/etc/rfarm/${name}.env`, content: envFile(service.env), permissions: '0600' },
    {
      path: `/etc/systemd/system/rfarm-${name}.service`,
      content: systemdUnit(`rfarm ${name}`, `/usr/bin/node --import tsx ${name}/main.ts`, [
        'WorkingDirectory=/opt/rfarm',
        `EnvironmentFile=/etc/rfarm/${name}.env`,
      ]),
    },
  ];
}

/** A control-plane droplet: control plane on 8080, sysreqs on 8081 (and, on one host, the scaler), under systemd. */
export function renderControlPlaneUserData(host: ControlPlaneHost): string {
  return renderCloudConfig({
    bootCommands: host.egressGateway ? gatewayRouteCommands(host.egressGateway) : [],
    // r-base-core: the control plane indexes the farm's repository with Rscript (tools::write_PACKAGES).
    packages: ['curl', 'gpg', 'git', 'ca-certificates', 'r-base-core', 'prometheus-node-exporter'],
    files: [
      ...baseFiles(host),
      { path: '/etc/rfarm/nats.creds', content: host.natsCreds, permissions: '0600' },
      { path: '/etc/rfarm/control-plane.env', content: envFile(host.controlPlaneEnv), permissions: '0600' },
      { path: '/etc/rfarm/sysreqs.env', content: envFile({ PORT: '8081', HOST: '0.0.0.0' }) },
      {
        path: '/etc/systemd/system/rfarm-control-plane.service',
        content: systemdUnit('rfarm control plane', '/usr/bin/node --import tsx control-plane/main.ts', [
          'WorkingDirectory=/opt/rfarm',
          'EnvironmentFile=/etc/rfarm/control-plane.env',
        ]),
      },
      {
        path: '/etc/systemd/system/rfarm-sysreqs.service',
        content: systemdUnit('rfarm sysreqs', '/usr/bin/node --import tsx sysreqs/main.ts', [
          'WorkingDirectory=/opt/rfarm',
          'EnvironmentFile=/etc/rfarm/sysreqs.env',
        ]),
      },
      ...sideServiceFiles('scaler', host.scaler),
      ...sideServiceFiles('backup', host.backup),
    ],
    commands: [
      'curl -fsSL https://deb.nodesource.com/setup_20.x | bash -',
      'apt-get install -y nodejs',
      `git clone --depth 1 --branch ${host.sourceRef} ${host.sourceRepo} /opt/rfarm`,
      'cd /opt/rfarm && npm ci --omit=dev',
      'install -d -m 0700 /var/lib/rfarm',
      'systemctl daemon-reload',
      `systemctl enable --now rfarm-control-plane rfarm-sysreqs${host.scaler ? ' rfarm-scaler' : ''}${host.backup ? ' rfarm-backup' : ''}`,
      ...installAlloyCommands(),
    ],
  });
}

/** Grafana's copy of the TLS material (it runs as user grafana, Prometheus as prometheus). */
const GRAFANA_TLS = { cert: '/etc/grafana/tls/server.pem', key: '/etc/grafana/tls/server-key.pem' } as const;

/** Grafana's port: HTTPS, where https://grafana.<domain> points (privileged: GRAFANA_PORT_DROP_IN). */
const GRAFANA_PORT = 443;

/**
 * A drop-in for Grafana's packaged unit, which runs it as user grafana with an empty capability
 * bounding set: a port below 1024 needs CAP_NET_BIND_SERVICE, given as its one ambient
 * capability, outside a private user namespace (where it would not count for the host's ports).
 * The override Grafana's docs give for a port below 1024 ("Start the Grafana server").
 */
const GRAFANA_PORT_DROP_IN: CloudFile = {
  path: '/etc/systemd/system/grafana-server.service.d/bind-privileged-port.conf',
  content: ['[Service]', 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'AmbientCapabilities=CAP_NET_BIND_SERVICE', 'PrivateUsers=false', ''].join('\n'),
};

/** DNS names the monitoring host answers to. */
export interface MonitoringNames {
  /** Grafana, for admins. */
  readonly grafana: string;
  /** Prometheus remote-write endpoint for agents outside the VPC. */
  readonly metrics: string;
}

/** The monitoring droplet: Prometheus (remote-write receiver on TLS) and Grafana with the farm dashboard. */
export function renderMonitoringUserData(
  host: ServiceHost,
  prometheusConfig: string,
  names: MonitoringNames,
  volumeName: string,
  discoveryToken: string,
): string {
  return renderCloudConfig({
    packages: ['curl', 'gpg', 'prometheus', 'prometheus-node-exporter'],
    files: [
      ...baseFiles(host),
      ...serverTlsFiles(host.tls, '/etc/rfarm/tls/server.pem', '/etc/rfarm/tls/server-key.pem'),
      { path: '/etc/prometheus/prometheus.yml', content: prometheusConfig },
      // Read-only DigitalOcean token for service discovery (prometheus-config.ts).
      { path: DISCOVERY_TOKEN_FILE, content: discoveryToken, permissions: '0600' },
      { path: ALERT_RULES_PATH, content: renderAlertRules(host.stack) },
      { path: '/etc/prometheus/web.yml', content: renderPrometheusWebConfig('/etc/rfarm/tls/server.pem', '/etc/rfarm/tls/server-key.pem') },
      {
        path: '/etc/default/prometheus',
        content:
          'ARGS="--web.enable-remote-write-receiver --web.config.file=/etc/prometheus/web.yml --storage.tsdb.path=/data/prometheus --storage.tsdb.retention.time=30d"\n',
      },
      {
        path: '/etc/grafana/provisioning/datasources/rfarm.yaml',
        content: grafanaDataSources(`https://${names.metrics}:9090`, host.lokiUrl.replace(/\/loki\/api\/v1\/push$/, '')),
      },
      { path: '/etc/grafana/provisioning/dashboards/rfarm.yaml', content: grafanaDashboardProvider('/var/lib/grafana/dashboards') },
      { path: '/var/lib/grafana/dashboards/rfarm.json', content: JSON.stringify(farmDashboard(host.stack), null, 2) },
      {
        path: '/etc/grafana/grafana.ini',
        content: [
          '[server]',
          'protocol = https',
          `http_port = ${GRAFANA_PORT}`,
          `domain = ${names.grafana}`,
          `cert_file = ${GRAFANA_TLS.cert}`,
          `cert_key = ${GRAFANA_TLS.key}`,
          '',
          '[auth.anonymous]',
          'enabled = false',
          '',
        ].join('\n'),
      },
      GRAFANA_PORT_DROP_IN,
    ],
    commands: [
      ...mountVolumeCommands(volumeName, '/data'),
      'install -d -o prometheus -g prometheus /data/prometheus',
      `echo "127.0.0.1 ${names.metrics}" >> /etc/hosts`,
      'chgrp prometheus /etc/rfarm/tls/server-key.pem && chmod 0640 /etc/rfarm/tls/server-key.pem',
      `chgrp prometheus ${DISCOVERY_TOKEN_FILE} && chmod 0640 ${DISCOVERY_TOKEN_FILE}`,
      'systemctl restart prometheus',
      ...installAlloyCommands(),
      'apt-get install -y grafana',
      // Grafana gets its own copy: the key stays in group prometheus, which Prometheus reads it as.
      `install -D -o root -g grafana -m 0644 /etc/rfarm/tls/server.pem ${GRAFANA_TLS.cert}`,
      `install -D -o root -g grafana -m 0640 /etc/rfarm/tls/server-key.pem ${GRAFANA_TLS.key}`,
      // The package's unit with the drop-in above (written before any command runs).
      'systemctl daemon-reload',
      'systemctl enable --now grafana-server',
    ],
  });
}

/** The log server: Loki with TLS on 3100, chunks on the volume, 30 days retention. */
export function renderLogServerUserData(host: ServiceHost, volumeName: string): string {
  const lokiConfig = [
    'auth_enabled: false',
    'server:',
    '  http_listen_port: 3100',
    '  http_tls_config:',
    '    cert_file: /etc/rfarm/tls/server.pem',
    '    key_file: /etc/rfarm/tls/server-key.pem',
    'common:',
    '  path_prefix: /data/loki',
    '  replication_factor: 1',
    '  ring: { kvstore: { store: inmemory } }',
    '  storage: { filesystem: { chunks_directory: /data/loki/chunks, rules_directory: /data/loki/rules } }',
    'schema_config:',
    '  configs: [{ from: "2025-01-01", store: tsdb, object_store: filesystem, schema: v13, index: { prefix: index_, period: 24h } }]',
    'limits_config: { retention_period: 720h }',
    'compactor: { working_directory: /data/loki/compactor, retention_enabled: true, delete_request_store: filesystem }',
    '',
  ].join('\n');
  return renderCloudConfig({
    packages: ['curl', 'gpg', 'prometheus-node-exporter'],
    files: [
      ...baseFiles(host),
      ...serverTlsFiles(host.tls, '/etc/rfarm/tls/server.pem', '/etc/rfarm/tls/server-key.pem'),
      { path: '/etc/loki/config.yml', content: lokiConfig },
    ],
    commands: [
      ...mountVolumeCommands(volumeName, '/data'),
      ...installAlloyCommands(),
      'apt-get install -y loki',
      'install -d -o loki /data/loki',
      'chgrp loki /etc/rfarm/tls/server-key.pem && chmod 0640 /etc/rfarm/tls/server-key.pem',
      'systemctl enable --now loki && systemctl restart loki',
    ],
  });
}
