/**
 * nats-server configuration for one node of the farm's cluster: TLS for clients and routes
 * (farm CA), operator-mode auth with every account preloaded, JetStream on the node's volume.
 */
import type { NatsAuth } from '../stack-config.ts';

/** Pinned NATS server release the nodes install. */
export const NATS_SERVER_VERSION = '2.11.4';
/** Pinned prometheus-nats-exporter release. */
export const NATS_EXPORTER_VERSION = '0.16.0';

/** One node's place in the cluster. */
export interface NatsNode {
  readonly serverName: string;
  readonly clusterName: string;
  /** Route URLs of every node (itself included; nats-server ignores its own). */
  readonly routes: readonly string[];
  /** JetStream file store limit, GB (leave headroom on the volume). */
  readonly jetstreamMaxGb: number;
}

/** Paths on the node. */
export const NATS_PATHS = {
  config: '/etc/nats/nats-server.conf',
  cert: '/etc/nats/tls/server.pem',
  key: '/etc/nats/tls/server-key.pem',
  ca: '/etc/rfarm/farm-ca.pem',
  store: '/data/jetstream',
} as const;

/** Renders nats-server.conf. Account JWTs are public; the config holds no secret. */
export function renderNatsServerConfig(node: NatsNode, auth: Pick<NatsAuth, 'operatorJwt' | 'systemAccount' | 'accountJwts'>): string {
  const tls = `tls {\n    cert_file: "${NATS_PATHS.cert}"\n    key_file: "${NATS_PATHS.key}"\n    ca_file: "${NATS_PATHS.ca}"\n  }`;
  const preload = Object.entries(auth.accountJwts)
    .map(([account, jwt]) => `  ${account}: ${jwt}`)
    .join('\n');
  const cluster =
    node.routes.length > 1
      ? `cluster {\n  name: ${node.clusterName}\n  listen: 0.0.0.0:6222\n  routes: [\n${node.routes.map((route) => `    ${route}`).join('\n')}\n  ]\n  ${tls}\n}\n`
      : '';
  return [
    `server_name: ${node.serverName}`,
    'listen: 0.0.0.0:4222',
    'http: 127.0.0.1:8222',
    `tls {\n  cert_file: "${NATS_PATHS.cert}"\n  key_file: "${NATS_PATHS.key}"\n  ca_file: "${NATS_PATHS.ca}"\n}`,
    `jetstream {\n  store_dir: "${NATS_PATHS.store}"\n  max_file_store: ${node.jetstreamMaxGb}G\n}`,
    cluster,
    `operator: ${auth.operatorJwt}`,
    `system_account: ${auth.systemAccount}`,
    'resolver: MEMORY',
    `resolver_preload: {\n${preload}\n}`,
    '',
  ].join('\n');
}
