/**
 * The agent's configuration: every variable it reads, documented, validated at once, frozen.
 * `process.env` is read nowhere else in the agent.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NetworkPolicy } from '../index.ts';
import { parseServers } from '../../protocol/index.ts';
import { validIpv4 } from './network-policy.ts';

export interface AgentConfig {
  /** NATS_URL: comma-separated NATS servers. Default nats://127.0.0.1:4222. */
  readonly natsServers: string[];
  /** NATS_CREDS: path of a NATS credentials file (cloud agents). */
  readonly natsCredsFile?: string;
  /** FARM_JETSTREAM_REPLICAS: replicas when this agent is the first to create the farm's stores. Default 1. */
  readonly replicas: number;
  /** FARM_PLATFORM: the catalogue platform this host serves; default: derived from the host. */
  readonly platform?: string;
  /** FARM_WORKER_ID: this worker's name; default `<hostname>-<random>`. */
  readonly workerId: string;
  /** FARM_DATA_DIR: where job directories are made. Default ./.farm. */
  readonly dataDir: string;
  /** FARM_WALL_TIME_SECONDS: longest a build may run. Default 1800 (30 min). */
  readonly wallTimeSeconds: number;
  /** FARM_SILENCE_SECONDS: longest a build may print nothing. Default 600 (10 min). */
  readonly silenceSeconds: number;
  /** FARM_OUTPUT_LIMIT_BYTES: most console output one build may print. Default 20 MB. */
  readonly outputLimitBytes: number;
  /** FARM_MAX_ATTEMPTS: deliveries of one build before it ends FAILED. Default 3. */
  readonly maxAttempts: number;
  /** FARM_ACK_WAIT_SECONDS: how soon a lost agent's build is redelivered. Default 30. */
  readonly ackWaitSeconds: number;
  /** FARM_SYSREQS_URL: the sysreqs service; unset skips the system-requirements step. */
  readonly sysreqsUrl?: string;
  /** FARM_INSTALL_SYSREQS=1: install missing OS packages (disposable build hosts only). */
  readonly installSysreqs: boolean;
  /** FARM_R_REPOS: comma-separated CRAN-like repositories for dependencies, in order. */
  readonly rRepos: string[];
  /** FARM_METRICS_PORT: serve /healthz and Prometheus /metrics on this port; unset serves none. */
  readonly metricsPort?: number;
  /**
   * FARM_DEPENDENCY_CACHE: the host's shared cache of installed R dependencies (one library per
   * platform and R version, shared by the agents on this host). Default `<FARM_DATA_DIR>/dependency-cache`.
   */
  readonly dependencyCacheDir: string;
  /**
   * FARM_SANDBOX_UID: the unprivileged host uid (and gid) builds run as when the agent is root; the
   * dependency install step runs as the next uid, so a check cannot write the cache. Default 64000.
   */
  readonly sandboxUid: number;
  /** FARM_BUILD_MEMORY_BYTES: memory one build step may use (cgroup). Default 4 GiB. */
  readonly buildMemoryBytes: number;
  /**
   * FARM_BUILD_USER_SLOT_BASE: first slot of the per-build users this agent creates (macOS
   * `_rfarm_b<slot>`, Solaris `rfb<slot>`). Agents sharing a host take disjoint ranges
   * (infra/user-data/agent-environment.ts gives each 20). Default 0.
   */
  readonly buildUserSlotBase: number;
  /** FARM_BUILD_PROCESSES: processes and threads one build step may have (cgroup pids). Default 1024. */
  readonly buildProcesses: number;
  /** FARM_BUILD_TMP_BYTES: size of a build's private /tmp (and of /dev/shm). Default 2 GB. */
  readonly buildTmpBytes: number;
  /** FARM_BUILD_DISK_BYTES: most a build's directory may hold. Default 5 GB. */
  readonly buildDiskBytes: number;
  /** FARM_MIN_FREE_DISK_BYTES: a build is stopped when the host's free space falls below this. Default 1 GB. */
  readonly minFreeDiskBytes: number;
  /**
   * FARM_CHECK_NETWORK: the check's network where the platform's catalogue entry sets none:
   * `none` (default; the check reaches no host) or `egress` (outbound only, never the farm's own
   * services, the host or cloud metadata; needs slirp4netns, nft and ip; README "Network policy").
   */
  readonly checkNetwork: NetworkPolicy;
  /**
   * FARM_EGRESS_BLOCK: comma-separated IPv4 addresses or CIDRs a check under `egress` must never
   * reach, besides private, loopback and link-local ranges, the host's own addresses and the hosts
   * of NATS_URL and FARM_SYSREQS_URL (always blocked): e.g. the control plane's public address.
   */
  readonly egressBlock: string[];
  /**
   * FARM_OWNER_PID: the process that owns this agent (the local farm sets its own pid): when it has
   * ended, the agent leaves too (its running build goes back to the queue), so none outlives its farm.
   * Unset: the agent runs until stopped.
   */
  readonly ownerPid?: number;
  /** FARM_SYSREQS_WAIT_SECONDS: how long a build waits for an unreachable sysreqs service before it fails. Default 300. */
  readonly sysreqsWaitSeconds: number;
  /** FARM_JOB_DIR_STALE_SECONDS: another worker's job directories untouched this long are swept. Default 600. */
  readonly jobDirStaleSeconds: number;
  /** FARM_JOB_DIR_SWEEP_SECONDS: how often job directories no live build owns are swept (also at start). Default 600. */
  readonly jobDirSweepSeconds: number;
  /**
   * FARM_SPOT_NOTICE=imds: watch EC2's Spot interruption notice in the instance metadata and take no
   * more builds once it comes (spot-interruption.ts; set on the Windows builders). Unset: not watched.
   */
  readonly spotNotice?: 'imds';
  /** FARM_IMDS_URL: the instance metadata service. Default http://169.254.169.254. */
  readonly imdsUrl: string;
  /** FARM_SPOT_NOTICE_POLL_SECONDS: how often the notice is looked for. Default 5. */
  readonly spotNoticePollSeconds: number;
}

/** A configuration problem, with how to fix it. */
export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    problems.push(`${name}=${text} is not a positive whole number`);
    return fallback;
  }
  return value;
}

/** Reads and validates the agent's configuration; throws one error listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const problems: string[] = [];
  const platform = env.FARM_PLATFORM || undefined;
  if (platform && !/^[a-z0-9][a-z0-9_-]{0,79}$/.test(platform)) {
    problems.push(`FARM_PLATFORM=${platform} is not a platform id (lower-case letters, digits, - and _)`);
  }
  const config: AgentConfig = {
    natsServers: parseServers(env.NATS_URL || 'nats://127.0.0.1:4222'),
    natsCredsFile: env.NATS_CREDS || undefined,
    replicas: positiveInteger(env, 'FARM_JETSTREAM_REPLICAS', 1, problems),
    platform,
    workerId: env.FARM_WORKER_ID || `${hostname().split('.')[0]}-${randomBytes(3).toString('hex')}`,
    dataDir: env.FARM_DATA_DIR || '.farm',
    wallTimeSeconds: positiveInteger(env, 'FARM_WALL_TIME_SECONDS', 1800, problems),
    silenceSeconds: positiveInteger(env, 'FARM_SILENCE_SECONDS', 600, problems),
    outputLimitBytes: positiveInteger(env, 'FARM_OUTPUT_LIMIT_BYTES', 20_000_000, problems),
    maxAttempts: positiveInteger(env, 'FARM_MAX_ATTEMPTS', 3, problems),
    ackWaitSeconds: positiveInteger(env, 'FARM_ACK_WAIT_SECONDS', 30, problems),
    sysreqsUrl: env.FARM_SYSREQS_URL || undefined,
    installSysreqs: env.FARM_INSTALL_SYSREQS === '1',
    rRepos: parseServers(env.FARM_R_REPOS ?? ''),
    metricsPort: env.FARM_METRICS_PORT ? positiveInteger(env, 'FARM_METRICS_PORT', 9464, problems) : undefined,
    dependencyCacheDir: env.FARM_DEPENDENCY_CACHE || join(env.FARM_DATA_DIR || '.farm', 'dependency-cache'),
    sandboxUid: positiveInteger(env, 'FARM_SANDBOX_UID', 64000, problems),
    buildMemoryBytes: positiveInteger(env, 'FARM_BUILD_MEMORY_BYTES', 4 * 1024 ** 3, problems),
    buildUserSlotBase: env.FARM_BUILD_USER_SLOT_BASE === '0' ? 0 : positiveInteger(env, 'FARM_BUILD_USER_SLOT_BASE', 0, problems),
    buildProcesses: positiveInteger(env, 'FARM_BUILD_PROCESSES', 1024, problems),
    buildTmpBytes: positiveInteger(env, 'FARM_BUILD_TMP_BYTES', 2_000_000_000, problems),
    buildDiskBytes: positiveInteger(env, 'FARM_BUILD_DISK_BYTES', 5_000_000_000, problems),
    minFreeDiskBytes: positiveInteger(env, 'FARM_MIN_FREE_DISK_BYTES', 1_000_000_000, problems),
    checkNetwork: (env.FARM_CHECK_NETWORK || 'none') as NetworkPolicy,
    egressBlock: (env.FARM_EGRESS_BLOCK ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    ownerPid: env.FARM_OWNER_PID ? positiveInteger(env, 'FARM_OWNER_PID', 1, problems) : undefined,
    sysreqsWaitSeconds: positiveInteger(env, 'FARM_SYSREQS_WAIT_SECONDS', 300, problems),
    jobDirStaleSeconds: positiveInteger(env, 'FARM_JOB_DIR_STALE_SECONDS', 600, problems),
    jobDirSweepSeconds: positiveInteger(env, 'FARM_JOB_DIR_SWEEP_SECONDS', 600, problems),
    spotNotice: env.FARM_SPOT_NOTICE === 'imds' ? 'imds' : undefined,
    imdsUrl: (env.FARM_IMDS_URL || 'http://169.254.169.254').replace(/\/+$/, ''),
    spotNoticePollSeconds: positiveInteger(env, 'FARM_SPOT_NOTICE_POLL_SECONDS', 5, problems),
  };
  if (env.FARM_SPOT_NOTICE && env.FARM_SPOT_NOTICE !== 'imds')
    problems.push(`FARM_SPOT_NOTICE=${env.FARM_SPOT_NOTICE} must be imds (watch EC2's Spot interruption notice) or unset`);
  // It names a directory of the data directory (job directories are kept per worker).
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(config.workerId))
    problems.push(`FARM_WORKER_ID=${config.workerId} must be letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit)`);
  if (config.sandboxUid < 1000) problems.push(`FARM_SANDBOX_UID=${config.sandboxUid} is a system uid; choose an unused uid of 1000 or more`);
  if (config.checkNetwork !== 'none' && config.checkNetwork !== 'egress') {
    problems.push(`FARM_CHECK_NETWORK=${config.checkNetwork} must be none or egress`);
  }
  for (const entry of config.egressBlock) {
    if (!validIpv4(entry)) problems.push(`FARM_EGRESS_BLOCK entry '${entry}' is not an IPv4 address or CIDR (e.g. 203.0.113.7 or 203.0.113.0/24)`);
  }
  for (const repo of config.rRepos) {
    if (!/^(https?|file):\/\//.test(repo)) problems.push(`FARM_R_REPOS entry '${repo}' is not an http(s):// or file:// URL`);
  }
  if (problems.length > 0) throw new AgentConfigError(`agent configuration: ${problems.join('; ')}`);
  return Object.freeze(config);
}
