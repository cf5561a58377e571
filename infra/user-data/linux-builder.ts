/**
 * cloud-init of a Linux builder droplet: Docker, the platform's worker image pulled from the
 * registry and run as the `rfarm-agent` systemd service with the agent's environment, plus Alloy
 * shipping the journal (the agent's JSON logs included) to Loki.
 */
import { AGENT_USER, CONTAINER_DATA_DIR, agentContainerFlags, type Platform } from '../../images/index.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import { AGENT_PORT, agentEnvironment, envFile, type AgentSettings } from './agent-environment.ts';
import { installAlloyCommands, renderCloudConfig } from './cloud-init.ts';

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
}

const CREDS = '/etc/rfarm/nats.creds';
const CA = '/etc/rfarm/farm-ca.pem';

/**
 * The systemd unit running the worker container; bubblewrap inside needs the flags the local farm
 * uses too (images/linux/agent-container.ts).
 */
export function agentContainerUnit(image: string): string {
  const run = [
    '/usr/bin/docker run --rm --name rfarm-agent',
    '--env-file /etc/rfarm/agent.env',
    agentContainerFlags().join(' '),
    `-p ${AGENT_PORT}:${AGENT_PORT}`,
    `-v /etc/rfarm:/etc/rfarm:ro -v ${CONTAINER_DATA_DIR}:${CONTAINER_DATA_DIR}`,
    '--log-driver journald',
    image,
  ].join(' ');
  return [
    '[Unit]',
    'Description=rfarm worker agent',
    'After=docker.service network-online.target',
    'Requires=docker.service',
    '',
    '[Service]',
    'ExecStartPre=-/usr/bin/docker rm -f rfarm-agent',
    `ExecStartPre=/usr/bin/docker pull ${image}`,
    `ExecStart=${run}`,
    'ExecStop=/usr/bin/docker stop rfarm-agent',
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
  const environment = agentEnvironment(input.platform, { ...input.agent, natsCredsPath: CREDS, caPath: CA, dataDir: '/var/lib/rfarm' });
  return renderCloudConfig({
    packages: ['docker.io', 'curl', 'gpg', 'iptables', 'prometheus-node-exporter'],
    files: [
      { path: CREDS, content: input.natsCreds, permissions: '0600' },
      { path: CA, content: input.caPem },
      { path: '/etc/rfarm/agent.env', content: envFile(environment), permissions: '0600' },
      { path: '/root/.docker/config.json', content: input.dockerConfigJson, permissions: '0600' },
      { path: '/etc/systemd/system/rfarm-agent.service', content: agentContainerUnit(input.image) },
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
      `install -d -o ${AGENT_USER.uid} -g ${AGENT_USER.gid} ${CONTAINER_DATA_DIR}`,
      // cloud-init writes files as root; the agent reads its credentials as that user, through the
      // read-only mount of /etc/rfarm. Nobody else on the droplet may (0600).
      `chown ${AGENT_USER.uid}:${AGENT_USER.gid} ${CREDS}`,
      // Package code runs in the container: keep it away from the droplet metadata service,
      // which serves this very user-data (NATS credentials included).
      'iptables -I DOCKER-USER -d 169.254.169.254 -j DROP || (systemctl start docker && iptables -I DOCKER-USER -d 169.254.169.254 -j DROP)',
      'systemctl daemon-reload',
      'systemctl enable --now docker rfarm-agent',
      ...installAlloyCommands(),
    ],
  });
}
