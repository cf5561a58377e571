/**
 * The environment every worker agent starts with, whatever the OS: the one place that decides
 * which platform a host serves and where it finds NATS, sysreqs and R repositories.
 */
import type { Platform } from '../../images/index.ts';

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
