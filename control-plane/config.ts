/**
 * The control plane's configuration: every variable documented, all problems reported at once,
 * the result frozen. `process.env` is read nowhere else in the control plane.
 */
import { parseServers, type CheckStatus } from '../protocol/index.ts';
import { retentionSettings, type RetentionSettings } from './retention/index.ts';

export interface ControlPlaneConfig {
  /** PORT: where the HTTP API listens. Default 8080. */
  readonly port: number;
  /** HOST: the address to bind. Default 127.0.0.1 (the local farm stays on loopback). */
  readonly host: string;
  /** FARM_PUBLIC_URL: how users reach the farm, for status URLs. Default http://HOST:PORT. */
  readonly publicUrl: string;
  /** NATS_URL: comma-separated NATS servers. Default nats://127.0.0.1:4222. */
  readonly natsServers: string[];
  /** NATS_CREDS: a NATS credentials file (cloud). */
  readonly natsCredsFile?: string;
  /** FARM_JETSTREAM_REPLICAS: replicas of streams and buckets. Default 1; 3 on a cluster. */
  readonly replicas: number;
  /** FARM_RETAIN_* and FARM_RETENTION_SWEEP_MINUTES: how long uploads, artifacts, output and finished records are kept (retention/retention-settings.ts). */
  readonly retention: RetentionSettings;
  /** FARM_ADMIN_TOKEN: bearer token of the admin routes. Unset: the admin routes refuse everyone. */
  readonly adminToken?: string;
  /** FARM_UPLOAD_LIMIT_BYTES: largest upload. Default 100 MB. */
  readonly uploadLimitBytes: number;
  /** FARM_UNPACKED_LIMIT_BYTES: largest unpacked package. Default 1 GB. */
  readonly unpackedLimitBytes: number;
  /** FARM_UPLOAD_CONCURRENCY: most uploads read at once; more are answered 503 too_many_uploads with Retry-After. Default 16. */
  readonly uploadConcurrency: number;
  /** FARM_UPLOAD_BUFFER_BYTES: most bytes the uploads being read may reserve together (each its Content-Length). Default 4 × the upload limit. */
  readonly uploadBufferBytes: number;
  /** FARM_REQUEST_TIMEOUT_SECONDS: a request (headers and body) must arrive within this, or its connection is closed. Default 300. */
  readonly requestTimeoutSeconds: number;
  /** FARM_HEADERS_TIMEOUT_SECONDS: a request's headers must arrive within this. Default 20. */
  readonly headersTimeoutSeconds: number;
  /** FARM_MAX_CONNECTIONS: most open HTTP connections; more are closed at once. Default 1000. */
  readonly maxConnections: number;
  /** FARM_DEFAULT_PLATFORMS: comma-separated platforms for submissions that name none. Default: catalogue defaults with live workers, else every live platform. */
  readonly defaultPlatforms: string[];
  /** FARM_LOCAL_AGENTS=1: this control plane may start agent processes on its own host (the local farm). */
  readonly localAgents: boolean;
  /** FARM_DATA_DIR: data directory of the local farm (agents started here work under it). Default ./.farm. */
  readonly dataDir: string;
  /** FARM_AGENT_ENV_*: extra environment for agents started locally, e.g. FARM_AGENT_ENV_FARM_SILENCE_SECONDS=60. */
  readonly agentEnv: Readonly<Record<string, string>>;
  /**
   * PATH, HOME, LANG, LC_ALL, TZ and TMPDIR as this process has them: the only part of the control
   * plane's own environment that agents it starts get (never its secrets).
   */
  readonly hostEnv: Readonly<Record<string, string>>;
  /** FARM_AGENT_CREDS_DIR: directory of `agent-<platform>.creds`, the NATS credentials of agents started locally (`npm start` makes it). */
  readonly agentCredsDir?: string;
  /** LOG_LEVEL: pino level. Default info. */
  readonly logLevel: string;
  /** FARM_SMTP_URL: the farm's mail server, smtp://user:pass@host:587 or smtps://…:465. Unset: the farm sends no mail. */
  readonly smtpUrl?: string;
  /** FARM_MAIL_FROM: the From address of the farm's mail. Default `rfarm <rfarm@localhost>`. */
  readonly mailFrom: string;
  /** How the r-hub 1.x API (`/api/...`) accepts e-mail + token pairs. */
  readonly rhub: RhubAuthConfig;
  /** FARM_PUBLISH_STATUSES: comma-separated check results a build may be published with. Default OK,NOTE. */
  readonly publishStatuses: readonly CheckStatus[];
  /** FARM_RSCRIPT: the Rscript that indexes the farm's repository (tools::write_PACKAGES). Default Rscript. */
  readonly rscript: string;
  /** The GitHub App integration (README.md, "GitHub"); null when FARM_GITHUB_APP_ID is unset. */
  readonly github: GitHubConfig | null;
  /**
   * FARM_R_REPOS: comma-separated CRAN-like repositories (http(s):// or file:// URLs) whose
   * PACKAGES indices are searched for reverse dependencies (`revdeps=true`), after the farm's own
   * repository; the same list as the agents' FARM_R_REPOS. Default none.
   */
  readonly rRepos: readonly string[];
  /** FARM_SYSREQS_URL: the sysreqs service the farm's builds use; /healthz says `degraded` while it does not answer. Unset: not probed. */
  readonly sysreqsUrl?: string;
  /** FARM_STORE_DIRS: comma-separated directories whose file systems hold the farm's state (the local farm: its data directory and NATS store). Default FARM_DATA_DIR. */
  readonly storeDirs: readonly string[];
  /** FARM_MIN_FREE_STORE_BYTES: new work is refused (503 storage_full) while one of FARM_STORE_DIRS has less free space. Default 512 MiB. */
  readonly minFreeStoreBytes: number;
  /** FARM_STORE_REFUSE_PERCENT: new work is refused while a JetStream stream is fuller than this percentage of its size limit. Default 90. */
  readonly storeRefusePercent: number;
  /**
   * FARM_STORE_RESERVE_PER_BUILD_BYTES: space set aside for each build not yet finished (its source
   * package, binary and output are still to be stored) before free space is compared with the floor.
   * Default 16 MiB.
   */
  readonly storeReservePerBuildBytes: number;
  /** Size limits of the farm's JetStream stores (FARM_*_MAX_BYTES); see StoreLimits. */
  readonly storeLimits: StoreLimits;
}

/**
 * Bytes each JetStream store may hold; -1: no limit of its own (the server's store size and the
 * free-space floor still apply). Past a limit the store refuses writes (the output stream drops its
 * oldest instead), so new work is refused at FARM_STORE_REFUSE_PERCENT of it, leaving the rest to
 * builds already accepted. nats-server sets aside each limit from its store's size (75 % of the
 * disk's free space unless configured), so the defaults cap only the small stores; the big ones
 * (records, output, uploads, artifacts) are held by the free-space floor and the retention of old builds.
 */
export interface StoreLimits {
  /** FARM_QUEUE_MAX_BYTES: the build queue. Default 64 MiB (a queue message is a few hundred bytes: some 200,000 queued builds). */
  readonly builds: number;
  /** FARM_OUTPUT_MAX_BYTES: console output of builds (oldest dropped first when full). Default -1. */
  readonly output: number;
  /** FARM_RECORDS_MAX_BYTES: job and build records. Default -1. */
  readonly jobs: number;
  /** FARM_WORKERS_MAX_BYTES: worker heartbeats. Default 8 MiB. */
  readonly workers: number;
  /** FARM_UPLOADS_MAX_BYTES: uploaded packages. Default FARM_OBJECTS_MAX_BYTES, else -1. */
  readonly uploads: number;
  /** FARM_ARTIFACTS_MAX_BYTES: build artifacts. Default FARM_OBJECTS_MAX_BYTES, else -1. */
  readonly artifacts: number;
}

/** How the farm acts as a GitHub App. */
export interface GitHubConfig {
  /** FARM_GITHUB_WEBHOOK_SECRET: the App's webhook secret; deliveries are verified with it (the stacks' `githubWebhookSecret`). */
  readonly webhookSecret: string;
  /** FARM_GITHUB_APP_ID: the App's numeric id (its settings page, "App ID"); setting it turns the integration on. */
  readonly appId: number;
  /** FARM_GITHUB_PRIVATE_KEY_FILE: the App's private key (.pem as GitHub downloads it), read at start. */
  readonly privateKeyFile: string;
  /** FARM_GITHUB_API_URL: the REST API. Default https://api.github.com (GitHub Enterprise: https://HOST/api/v3). */
  readonly apiUrl: string;
  /**
   * FARM_GITHUB_SECRET_ENV_<NAME>=value: environment the farm adds to checks of pushes (API keys
   * a package's tests need). Never to fork pull requests.
   */
  readonly secretEnv: Readonly<Record<string, string>>;
}

function github(env: NodeJS.ProcessEnv, problems: string[]): GitHubConfig | null {
  // The stacks always set the webhook secret; the App is on once it also has an id.
  const appIdText = env.FARM_GITHUB_APP_ID || '';
  if (!appIdText) return null;
  const appId = Number(appIdText);
  if (!Number.isInteger(appId) || appId < 1) problems.push(`FARM_GITHUB_APP_ID=${appIdText} must be the GitHub App's numeric App ID (its settings page)`);
  const webhookSecret = env.FARM_GITHUB_WEBHOOK_SECRET || '';
  if (webhookSecret.length < 16)
    problems.push(
      'FARM_GITHUB_APP_ID needs FARM_GITHUB_WEBHOOK_SECRET, at least 16 characters (e.g. `openssl rand -hex 24`), the same as in the GitHub App settings',
    );
  const privateKeyFile = env.FARM_GITHUB_PRIVATE_KEY_FILE || '';
  if (!privateKeyFile) problems.push("FARM_GITHUB_APP_ID needs FARM_GITHUB_PRIVATE_KEY_FILE, the GitHub App's private key (.pem)");
  const secretEnv = Object.fromEntries(
    Object.entries(env)
      .filter(([name]) => name.startsWith('FARM_GITHUB_SECRET_ENV_'))
      .map(([name, value]) => [name.slice('FARM_GITHUB_SECRET_ENV_'.length), value ?? '']),
  );
  for (const name of Object.keys(secretEnv)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      problems.push(`FARM_GITHUB_SECRET_ENV_${name}: '${name}' is not an environment variable name (letters, digits, '_')`);
  }
  return { webhookSecret, appId, privateKeyFile, apiUrl: (env.FARM_GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''), secretEnv };
}

/** Variables a child process may inherit: where programs are, whose home, which language. */
const HOST_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

const CHECK_STATUSES: readonly CheckStatus[] = ['OK', 'NOTE', 'WARNING', 'ERROR'];

/** Token modes of the r-hub 1.x API; see README.md, "Coming from r-hub". */
export const RHUB_TOKEN_MODES = ['email', 'domain', 'preshared'] as const;
export type RhubTokenMode = (typeof RHUB_TOKEN_MODES)[number];

export interface RhubAuthConfig {
  /**
   * FARM_RHUB_TOKEN_MODE: `email` (default; tokens are mailed to the address, as r-hub did),
   * `domain` (any token is accepted for addresses in FARM_RHUB_ALLOWED_DOMAINS: a private farm
   * behind a firewall), or `preshared` (only the tokens in FARM_RHUB_TOKENS are accepted).
   */
  readonly tokenMode: RhubTokenMode;
  /** FARM_RHUB_ALLOWED_DOMAINS: comma-separated e-mail domains that may use the API (any, if unset; required in `domain` mode). */
  readonly allowedDomains: readonly string[];
  /** FARM_RHUB_TOKENS: comma-separated pre-shared tokens (at least 16 letters or digits each; required in `preshared` mode). */
  readonly presharedTokens: readonly string[];
}

function rhubAuth(env: NodeJS.ProcessEnv, problems: string[]): RhubAuthConfig {
  const mode = (env.FARM_RHUB_TOKEN_MODE || 'email') as RhubTokenMode;
  if (!RHUB_TOKEN_MODES.includes(mode)) problems.push(`FARM_RHUB_TOKEN_MODE=${mode} must be one of ${RHUB_TOKEN_MODES.join(', ')}`);
  const allowedDomains = parseServers((env.FARM_RHUB_ALLOWED_DOMAINS ?? '').toLowerCase()).map((domain) => domain.replace(/^@/, ''));
  const presharedTokens = parseServers(env.FARM_RHUB_TOKENS ?? '');
  if (mode === 'domain' && allowedDomains.length === 0)
    problems.push('FARM_RHUB_TOKEN_MODE=domain needs FARM_RHUB_ALLOWED_DOMAINS, e.g. example.org,lab.example.org');
  if (mode === 'preshared' && presharedTokens.length === 0)
    problems.push('FARM_RHUB_TOKEN_MODE=preshared needs FARM_RHUB_TOKENS (e.g. `openssl rand -hex 16`, comma-separated)');
  for (const token of presharedTokens) {
    if (!/^[A-Za-z0-9]{16,}$/.test(token)) problems.push('each FARM_RHUB_TOKENS entry must be at least 16 letters or digits (e.g. `openssl rand -hex 16`)');
  }
  return { tokenMode: mode, allowedDomains, presharedTokens };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[], min = 1): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name}=${text} must be a whole number ≥ ${min}`);
    return fallback;
  }
  return value;
}

/** A store's byte limit: -1 (none) or at least 1 MiB. */
function byteLimit(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (value === -1 || (Number.isInteger(value) && value >= 1024 * 1024)) return value;
  problems.push(`${name}=${text} must be -1 (no limit) or a whole number of bytes ≥ 1048576`);
  return fallback;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, problems, 0);
  // From when uploads and artifacts shared one store: the default of each one's limit.
  const objectsLimit = byteLimit(env, 'FARM_OBJECTS_MAX_BYTES', -1, problems);
  const host = env.HOST || '127.0.0.1';
  const adminToken = env.FARM_ADMIN_TOKEN || undefined;
  if (adminToken && adminToken.length < 16) problems.push('FARM_ADMIN_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 24`)');
  const agentEnv = Object.fromEntries(
    Object.entries(env)
      .filter(([name]) => name.startsWith('FARM_AGENT_ENV_'))
      .map(([name, value]) => [name.slice('FARM_AGENT_ENV_'.length), value ?? '']),
  );
  const uploadLimitBytes = integer(env, 'FARM_UPLOAD_LIMIT_BYTES', 100 * 1024 * 1024, problems);
  const requestTimeoutSeconds = integer(env, 'FARM_REQUEST_TIMEOUT_SECONDS', 300, problems);
  const headersTimeoutSeconds = integer(env, 'FARM_HEADERS_TIMEOUT_SECONDS', 20, problems);
  if (headersTimeoutSeconds > requestTimeoutSeconds) problems.push('FARM_HEADERS_TIMEOUT_SECONDS must not be larger than FARM_REQUEST_TIMEOUT_SECONDS');
  const config: ControlPlaneConfig = {
    port,
    host,
    publicUrl: (env.FARM_PUBLIC_URL || `http://${host}:${port}`).replace(/\/+$/, ''),
    natsServers: parseServers(env.NATS_URL || 'nats://127.0.0.1:4222'),
    natsCredsFile: env.NATS_CREDS || undefined,
    replicas: integer(env, 'FARM_JETSTREAM_REPLICAS', 1, problems),
    retention: retentionSettings(env, problems),
    adminToken,
    uploadLimitBytes,
    unpackedLimitBytes: integer(env, 'FARM_UNPACKED_LIMIT_BYTES', 1024 * 1024 * 1024, problems),
    uploadConcurrency: integer(env, 'FARM_UPLOAD_CONCURRENCY', 16, problems),
    uploadBufferBytes: integer(env, 'FARM_UPLOAD_BUFFER_BYTES', 4 * uploadLimitBytes, problems),
    requestTimeoutSeconds,
    headersTimeoutSeconds,
    maxConnections: integer(env, 'FARM_MAX_CONNECTIONS', 1000, problems),
    defaultPlatforms: parseServers(env.FARM_DEFAULT_PLATFORMS ?? ''),
    localAgents: env.FARM_LOCAL_AGENTS === '1',
    dataDir: env.FARM_DATA_DIR || '.farm',
    agentEnv,
    hostEnv: Object.fromEntries(HOST_ENV.filter((name) => env[name]).map((name) => [name, env[name]!])),
    agentCredsDir: env.FARM_AGENT_CREDS_DIR || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    smtpUrl: env.FARM_SMTP_URL || undefined,
    mailFrom: env.FARM_MAIL_FROM || 'rfarm <rfarm@localhost>',
    rhub: rhubAuth(env, problems),
    publishStatuses: parseServers(env.FARM_PUBLISH_STATUSES || 'OK,NOTE').map((status) => status.toUpperCase() as CheckStatus),
    rscript: env.FARM_RSCRIPT || 'Rscript',
    github: github(env, problems),
    rRepos: parseServers(env.FARM_R_REPOS ?? '').map((repo) => repo.replace(/\/+$/, '')),
    sysreqsUrl: env.FARM_SYSREQS_URL ? env.FARM_SYSREQS_URL.replace(/\/+$/, '') : undefined,
    storeDirs: parseServers(env.FARM_STORE_DIRS || env.FARM_DATA_DIR || '.farm'),
    minFreeStoreBytes: integer(env, 'FARM_MIN_FREE_STORE_BYTES', 512 * 1024 * 1024, problems, 0),
    storeRefusePercent: integer(env, 'FARM_STORE_REFUSE_PERCENT', 90, problems),
    storeReservePerBuildBytes: integer(env, 'FARM_STORE_RESERVE_PER_BUILD_BYTES', 16 * 1024 * 1024, problems, 0),
    storeLimits: {
      builds: byteLimit(env, 'FARM_QUEUE_MAX_BYTES', 64 * 1024 * 1024, problems),
      output: byteLimit(env, 'FARM_OUTPUT_MAX_BYTES', -1, problems),
      jobs: byteLimit(env, 'FARM_RECORDS_MAX_BYTES', -1, problems),
      workers: byteLimit(env, 'FARM_WORKERS_MAX_BYTES', 8 * 1024 * 1024, problems),
      uploads: byteLimit(env, 'FARM_UPLOADS_MAX_BYTES', objectsLimit, problems),
      artifacts: byteLimit(env, 'FARM_ARTIFACTS_MAX_BYTES', objectsLimit, problems),
    },
  };
  for (const repo of config.rRepos) {
    if (!/^(https?|file):\/\//.test(repo)) problems.push(`FARM_R_REPOS entry '${repo}' is not an http(s):// or file:// URL`);
  }
  if (config.storeRefusePercent > 100) problems.push(`FARM_STORE_REFUSE_PERCENT=${config.storeRefusePercent} must be at most 100`);
  for (const status of config.publishStatuses) {
    if (!CHECK_STATUSES.includes(status)) problems.push(`FARM_PUBLISH_STATUSES: '${status}' is not a check result; use some of ${CHECK_STATUSES.join(', ')}`);
  }
  if (config.smtpUrl && !/^smtps?:\/\//.test(config.smtpUrl))
    problems.push('FARM_SMTP_URL must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.org:587');
  if (problems.length > 0) throw new ConfigError(`control plane configuration: ${problems.join('; ')}`);
  return Object.freeze(config);
}
