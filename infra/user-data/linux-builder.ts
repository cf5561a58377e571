/**
 * cloud-init of a Linux builder droplet: Docker, the platform's worker image pulled from the
 * registry and run as one `rfarm-agent-<n>` systemd service per agent the droplet hosts (each its
 * own container, environment file, data directory, metrics port and CPU/memory slice), plus Alloy
 * shipping the journal (the agents' JSON logs included) to Loki.
 */
import { AGENT_USER, CONTAINER_DATA_DIR, agentContainerFlags, type Platform } from '../../images/index.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import type { AgentLayout } from '../sizing.ts';
import { agentEnvironment, agentEnvironments, agentMetricsPort, envFile, ONE_AGENT, type AgentSettings } from './agent-environment.ts';
import { installAlloyCommands, renderCloudConfig } from './cloud-init.ts';
import { gatewayRouteCommands } from './nat-gateway.ts';

/** Everything a Linux builder's user-data is made of. */
export interface LinuxBuilderInput {
  readonly stack: string;
  readonly platform: Platform;
  /** Worker image reference, `registry/repo:content-tag`. */
  readonly image: string;
  /** Registry host of that image. */
  readonly registryServer: string;
  /** Docker `config.json` with read-only pull credentials. */
  readonly dockerConfigJson: string;
  readonly natsCreds: string;
  readonly caPem: string;
  readonly lokiUrl: string;
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
  /** Agents the droplet runs; default one with the whole droplet. */
  readonly agents?: AgentLayout;
  /** VPC address of the gateway droplet the builder's default route goes through (it has no public address). */
  readonly egressGateway?: string;
}

const CREDS = '/etc/rfarm/nats.creds';
const CA = '/etc/rfarm/farm-ca.pem';

/** Host directory of the `slot`-th agent's data, mounted at CONTAINER_DATA_DIR in its container. */
export function agentDataDir(slot: number): string {
  return `/var/lib/rfarm/agent-${slot}`;
}

/** The unit name of the `slot`-th agent: `rfarm-agent-1`, `rfarm-agent-2`, … */
export function agentUnitName(slot: number): string {
  return `rfarm-agent-${slot}`;
}

/**
 * The systemd unit running the `slot`-th worker container; bubblewrap inside needs the flags the
 * local farm uses too (images/linux/agent-container.ts). The container takes the droplet's name as
 * hostname (systemd's `%H`), so heartbeats name the droplet the scaler lists, and its worker id is
 * `<droplet>-agent-<slot>` (scaler/pool-decision.ts `agentWorkerId`). With `layout.slice` the
 * container is held to its share of the droplet's CPUs and memory.
 */
export function agentContainerUnit(image: string, slot = 1, layout: AgentLayout = ONE_AGENT): string {
  const name = agentUnitName(slot);
  const port = agentMetricsPort(slot);
  const limits = layout.slice ? [`--cpus ${Number(layout.slice.cpus.toFixed(2))}`, `--memory ${layout.slice.memoryBytes}`] : [];
  const run = [
    `/usr/bin/docker run --rm --name ${name} --hostname %H`,
    `--env-file /etc/rfarm/${name}.env`,
    `--env FARM_WORKER_ID=%H-agent-${slot}`,
    agentContainerFlags().join(' '),
    ...limits,
    `-p ${port}:${port}`,
    `-v /etc/rfarm:/etc/rfarm:ro -v ${agentDataDir(slot)}:${CONTAINER_DATA_DIR}`,
    '--log-driver journald',
    image,
  ].join(' ');
  return [
    '[Unit]',
    `Description=rfarm worker agent ${slot}`,
    'After=docker.service network-online.target',
    'Requires=docker.service',
    '',
    '[Service]',
    `ExecStartPre=-/usr/bin/docker rm -f ${name}`,
    `ExecStartPre=/usr/bin/docker pull ${image}`,
    `ExecStart=${run}`,
    `ExecStop=/usr/bin/docker stop ${name}`,
    'Restart=always',
    'RestartSec=10',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Renders the builder's `#cloud-config`. */
export function renderLinuxBuilderUserData(input: LinuxBuilderInput): string {
  const layout = input.agents ?? ONE_AGENT;
  const base = agentEnvironment(input.platform, { ...input.agent, natsCredsPath: CREDS, caPath: CA, dataDir: CONTAINER_DATA_DIR });
  // Inside its container every agent's data directory is CONTAINER_DATA_DIR; the host directory differs (agentDataDir).
  const environments = agentEnvironments(base, layout, () => CONTAINER_DATA_DIR);
  const slots = environments.map((_, index) => index + 1);
  return renderCloudConfig({
    bootCommands: input.egressGateway ? gatewayRouteCommands(input.egressGateway) : [],
    packages: ['docker.io', 'curl', 'gpg', 'iptables', 'prometheus-node-exporter'],
    files: [
      { path: CREDS, content: input.natsCreds, permissions: '0600' },
      { path: CA, content: input.caPem },
      ...environments.map((environment, index) => ({ path: `/etc/rfarm/${agentUnitName(index + 1)}.env`, content: envFile(environment), permissions: '0600' })),
      { path: '/root/.docker/config.json', content: input.dockerConfigJson, permissions: '0600' },
      ...slots.map((slot) => ({ path: `/etc/systemd/system/${agentUnitName(slot)}.service`, content: agentContainerUnit(input.image, slot, layout) })),
      {
        path: '/etc/alloy/config.alloy',
        content: renderAlloyConfig({
          stack: input.stack,
          role: 'builder',
          platformId: input.platform.id,
          logSource: 'journal',
          lokiUrl: input.lokiUrl,
          caFile: CA,
        }),
      },
    ],
    commands: [
      // The worker image runs the agent as an unprivileged user (images/linux/scripts/add-agent-user.sh).
      `install -d -o ${AGENT_USER.uid} -g ${AGENT_USER.gid} ${CONTAINER_DATA_DIR} ${slots.map(agentDataDir).join(' ')}`,
      // cloud-init writes files as root; the agent reads its credentials as that user, through the
      // read-only mount of /etc/rfarm. Nobody else on the droplet may (0600).
      `chown ${AGENT_USER.uid}:${AGENT_USER.gid} ${CREDS}`,
      // Package code runs in the container: keep it away from the droplet metadata service,
      // which serves this very user-data (NATS credentials included).
      'iptables -I DOCKER-USER -d 169.254.169.254 -j DROP || (systemctl start docker && iptables -I DOCKER-USER -d 169.254.169.254 -j DROP)',
      'systemctl daemon-reload',
      `systemctl enable --now docker ${slots.map(agentUnitName).join(' ')}`,
      ...installAlloyCommands(),
    ],
  });
}
