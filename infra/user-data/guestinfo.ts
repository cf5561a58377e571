/**
 * Bootstrap of vSphere builder VMs through guestinfo `extraConfig` (guest customization does not
 * support macOS). The template's boot script (images/macos/agent-boot.sh, images/solaris/agent-boot.sh)
 * reads these keys with `vmware-rpctool "info-get guestinfo.rfarm.<key>"`, writes the files, blanks
 * the secret keys again and starts the agent.
 */
import type { Platform } from '../../images/index.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import type { AgentLayout } from '../sizing.ts';
import { agentEnvironment, agentEnvironments, agentMetricsPort, envFile, ONE_AGENT, type AgentSettings } from './agent-environment.ts';

/** Everything a builder VM's guestinfo is made of. */
export interface GuestInfoInput {
  readonly stack: string;
  readonly platform: Platform;
  readonly natsCreds: string;
  readonly caPem: string;
  readonly sourceRepo: string;
  readonly sourceRef: string;
  readonly lokiUrl: string;
  readonly remoteWriteUrl: string;
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
  /** Agents the host runs (macOS; Solaris guests run one); default one with the whole host. */
  readonly agents?: AgentLayout;
}

/** The guestinfo key of the `slot`-th agent's environment: `env` for the first, `env-<n>` for the others. */
export function agentEnvKey(slot: number): string {
  return slot === 1 ? 'guestinfo.rfarm.env' : `guestinfo.rfarm.env-${slot}`;
}

/** guestinfo keys the boot script blanks after reading, because they hold secrets. */
export const SECRET_GUESTINFO_KEYS = ['guestinfo.rfarm.nats-creds'] as const;

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * The `extraConfig` map of one builder VM; values are base64 so that newlines survive the VMX file.
 * With several agents, each has its own environment key (agentEnvKey) and data directory
 * `/var/lib/rfarm/agent-<n>`; images/macos/agent-boot.sh starts one agent per key.
 */
export function renderGuestInfo(input: GuestInfoInput): Record<string, string> {
  const base = agentEnvironment(input.platform, {
    ...input.agent,
    natsCredsPath: '/etc/rfarm/nats.creds',
    caPath: '/etc/rfarm/farm-ca.pem',
    dataDir: '/var/lib/rfarm',
  });
  const environments = agentEnvironments(base, input.agents ?? ONE_AGENT, (slot) => `/var/lib/rfarm/agent-${slot}`);
  const alloy = renderAlloyConfig({
    stack: input.stack,
    role: 'builder',
    platformId: input.platform.id,
    logSource: 'files',
    // The first agent logs to launchd's file; the others to their own (images/macos/agent-boot.sh).
    logFiles: ['/var/log/rfarm-agent.log', ...environments.slice(1).map((_, index) => `/var/log/rfarm-agent-${index + 2}.log`), '/var/log/system.log'],
    lokiUrl: input.lokiUrl,
    remoteWriteUrl: input.remoteWriteUrl,
    localTargets: environments.map((_, index) => ({ job: 'agent', address: `127.0.0.1:${agentMetricsPort(index + 1)}` })),
    caFile: '/etc/rfarm/farm-ca.pem',
  });
  return {
    'guestinfo.rfarm.platform': input.platform.id,
    'guestinfo.rfarm.source': `${input.sourceRepo}#${input.sourceRef}`,
    ...Object.fromEntries(environments.map((environment, index) => [agentEnvKey(index + 1), base64(envFile(environment))])),
    'guestinfo.rfarm.ca': base64(input.caPem),
    'guestinfo.rfarm.alloy': base64(alloy),
    'guestinfo.rfarm.nats-creds': base64(input.natsCreds),
  };
}

/** The agent environment carried in a guestinfo map, decoded (for tests and debugging). */
export function decodeGuestEnvironment(extraConfig: Record<string, string>): string {
  return Buffer.from(extraConfig['guestinfo.rfarm.env'] ?? '', 'base64').toString('utf8');
}
