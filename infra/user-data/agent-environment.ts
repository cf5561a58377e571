/**
 * The environment every worker agent starts with, whatever the OS: the one place that decides
 * which platform a host serves and where it finds NATS, sysreqs and R repositories.
 */
import type { Platform } from '../../images/index.ts';
import type { AgentLayout } from '../sizing.ts';

/** Where an agent connects and keeps its data. */
export interface AgentSettings {
  /** NATS servers reachable from the host, e.g. `tls://nats-1.farm.example.org:4222`. */
  readonly natsUrls: readonly string[];
  /** Path of the NATS credentials file on the host. */
  readonly natsCredsPath: string;
  /** Directory of job directories. */
  readonly dataDir: string;
  /** Base URL of the sysreqs service. */
  readonly sysreqsUrl: string;
  /** R repositories, comma-separated as `FARM_R_REPOS` takes them. */
  readonly rRepos: string;
  /** Path of the farm CA bundle Node adds to its trust store (NATS servers use the farm CA). */
  readonly caPath: string;
}

/** Port the agent serves `/healthz` and `/metrics` on. */
export const AGENT_PORT = 9464;

/** The agent's environment for one platform; cloud builders are disposable, so they install sysreqs. */
export function agentEnvironment(platform: Platform, settings: AgentSettings): Record<string, string> {
  return {
    FARM_PLATFORM: platform.id,
    NATS_URL: settings.natsUrls.join(','),
    NATS_CREDS: settings.natsCredsPath,
    FARM_DATA_DIR: settings.dataDir,
    FARM_SYSREQS_URL: settings.sysreqsUrl,
    FARM_INSTALL_SYSREQS: '1',
    FARM_R_REPOS: settings.rRepos,
    NODE_EXTRA_CA_CERTS: settings.caPath,
    FARM_METRICS_PORT: String(AGENT_PORT),
  };
}

/** A host running one agent with the whole host, as every host did before pools shared hosts. */
export const ONE_AGENT: AgentLayout = Object.freeze({ count: 1 });

/** Per-build user slots each agent of a shared host owns (FARM_BUILD_USER_SLOT_BASE steps by this). */
export const USER_SLOTS_PER_AGENT = 20;

/** The metrics port of the `slot`-th (1-based) agent of a host: 9464, 9465, … */
export function agentMetricsPort(slot: number): number {
  return AGENT_PORT + slot - 1;
}

/**
 * The environment of each agent of a host, slot 1 first. A lone agent keeps `base` unchanged.
 * Agents sharing a host each get their own data directory (`dataDirFor(slot)`), metrics port,
 * range of per-build users and, from the layout's slice, their builds' memory limit.
 * FARM_WORKER_ID is not here: it names the host, which only the host knows at boot; each launcher
 * sets it to `<host>-agent-<slot>` (scaler/pool-decision.ts `agentWorkerId`).
 */
export function agentEnvironments(base: Record<string, string>, layout: AgentLayout, dataDirFor: (slot: number) => string): Record<string, string>[] {
  if (layout.count <= 1) return [base];
  return Array.from({ length: layout.count }, (_, index) => {
    const slot = index + 1;
    return {
      ...base,
      FARM_DATA_DIR: dataDirFor(slot),
      FARM_METRICS_PORT: String(agentMetricsPort(slot)),
      FARM_BUILD_USER_SLOT_BASE: String(index * USER_SLOTS_PER_AGENT),
      ...(layout.slice ? { FARM_BUILD_MEMORY_BYTES: String(layout.slice.buildMemoryBytes) } : {}),
    };
  });
}

/** `KEY=value` lines, as systemd `EnvironmentFile` and `docker --env-file` read them. */
export function envFile(environment: Record<string, string>): string {
  return (
    Object.entries(environment)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n') + '\n'
  );
}

/** The platform ids a rendered user-data starts agents for (every `FARM_PLATFORM` assignment in it). */
export function platformsStartedBy(userData: string): string[] {
  const pattern = /FARM_PLATFORM\s*[=:]\s*['"]?([a-z0-9_-]+)/g;
  return [...new Set([...userData.matchAll(pattern)].map((match) => match[1]))];
}
