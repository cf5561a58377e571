/**
 * Prepares, once per agent, everything its sandboxes share: the system view and seccomp program,
 * the host identities builds run as (only a root agent can choose; it never lets a build be root),
 * the per-step limits and the control-group support of this host.
 */
import { chmod, copyFile, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { detectCgroupHost } from './build-cgroup.ts';
import { AgentConfigError, loadConfig, type AgentConfig } from './config.ts';
import { INSTALL_SCRIPT } from './dependencies/dependency-installer.ts';
import { sandboxKindOf, type SandboxKind } from './os-sandbox.ts';
import type { SandboxSystem } from './sandbox.ts';
import type { SandboxHost } from './sandboxed-process.ts';
import { prepareSandboxSystem } from './sandbox-system.ts';

/** The sandbox of this host's OS; an OS the farm has no sandbox for cannot run builds. */
export function hostSandboxKind(platform: NodeJS.Platform | string = process.platform): SandboxKind {
  const kind = sandboxKindOf(platform);
  if (!kind) throw new AgentConfigError(`the farm has no build sandbox for ${platform}: agents run on Linux, Windows, macOS and Solaris only`);
  return kind;
}

/**
 * Windows, macOS and Solaris sandboxes need no bubblewrap system view: the build runs as a fresh
 * account against the host's own system. Only the agent's scripts are staged (read through their
 * host path).
 */
async function prepareForeignSystem(dir: string, scripts: readonly string[]): Promise<SandboxSystem> {
  const scriptsDir = join(dir, 'scripts');
  await mkdir(scriptsDir, { recursive: true });
  for (const script of scripts) await copyFile(script, join(scriptsDir, basename(script)));
  return { mounts: [], ownFiles: [], egressMounts: [], seccompFile: '', scriptsDir };
}

/** Whether this process can hand builds to another uid (it is root). */
export function canSwitchIdentity(): boolean {
  return process.getuid?.() === 0;
}

/**
 * bwrap opens its bind sources (job directory, dependency cache, the sandbox's own files) as the
 * build's uid: the directories above them must let others pass (x), though not list. The agent
 * makes its own directories so; a parent it does not own must already be.
 */
async function makeReachable(config: AgentConfig): Promise<void> {
  for (const dir of [config.dataDir, join(config.dataDir, 'sandbox'), join(config.dataDir, 'builds'), config.dependencyCacheDir]) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o711);
  }
  for (const start of [config.dataDir, config.dependencyCacheDir]) {
    for (let dir = dirname(resolve(start)); ; dir = dirname(dir)) {
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) {
        throw new AgentConfigError(
          `builds run as uid ${config.sandboxUid} and cannot reach ${resolve(start)}: ${dir} is closed to other users; run 'chmod o+x ${dir}' or choose another FARM_DATA_DIR / FARM_DEPENDENCY_CACHE`,
        );
      }
      if (dir === dirname(dir)) break;
    }
  }
}

export async function prepareSandboxHost(config: AgentConfig, log: Logger, sandbox: SandboxKind = hostSandboxKind()): Promise<SandboxHost> {
  if (sandbox !== 'bubblewrap') return prepareForeignHost(config, log, sandbox);
  const root = canSwitchIdentity();
  if (root) await makeReachable(config);
  const system = await prepareSandboxSystem(join(config.dataDir, 'sandbox', config.workerId), [INSTALL_SCRIPT]);
  const cgroups = await detectCgroupHost();
  if (cgroups.kind === 'none') log.warn({ why: cgroups.why }, 'no control groups for builds: memory is not capped, processes only by RLIMIT_NPROC');
  if (!root) log.warn('the agent is not root: builds run as its own uid (in their own user namespace, with no capabilities)');
  return {
    system,
    buildIdentity: root ? { uid: config.sandboxUid, gid: config.sandboxUid } : undefined,
    installIdentity: root ? { uid: config.sandboxUid + 1, gid: config.sandboxUid + 1 } : undefined,
    limits: {
      maxFileBytes: Math.min(config.buildDiskBytes, 2_000_000_000),
      // RLIMIT_NPROC counts every task of the uid on the host (all of this host's builds share it).
      maxProcesses: config.buildProcesses * 2,
      tmpBytes: config.buildTmpBytes,
    },
    guards: {
      sandbox,
      cgroups,
      cgroupLimits: { memoryBytes: config.buildMemoryBytes, processes: config.buildProcesses },
      diskBytes: config.buildDiskBytes,
      minFreeDiskBytes: config.minFreeDiskBytes,
    },
  };
}

/**
 * A host whose sandbox makes a fresh account per step: no uid of the agent's to switch to (the
 * plans create and delete their own), no control groups (Job Objects, ulimit, resource controls).
 */
async function prepareForeignHost(config: AgentConfig, log: Logger, sandbox: SandboxKind): Promise<SandboxHost> {
  const system = await prepareForeignSystem(join(config.dataDir, 'sandbox', config.workerId), [INSTALL_SCRIPT]);
  log.info({ sandbox }, 'builds run as a fresh account per step in the OS sandbox');
  return {
    system,
    limits: { maxFileBytes: Math.min(config.buildDiskBytes, 2_000_000_000), maxProcesses: config.buildProcesses, tmpBytes: config.buildTmpBytes },
    guards: {
      sandbox,
      cgroups: { kind: 'none', why: `${sandbox} limits builds with its own sandbox` },
      cgroupLimits: { memoryBytes: config.buildMemoryBytes, processes: config.buildProcesses },
      diskBytes: config.buildDiskBytes,
      minFreeDiskBytes: config.minFreeDiskBytes,
      firstUserSlot: config.buildUserSlotBase,
    },
  };
}

/** A sandbox host with the default settings over `dataDir`, for tools and tests that run steps without an agent. */
export function standaloneSandboxHost(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<SandboxHost> {
  return prepareSandboxHost(
    loadConfig({ ...env, FARM_DATA_DIR: dataDir, FARM_WORKER_ID: env.FARM_WORKER_ID ?? `standalone-${process.pid}` }),
    pino({ level: 'silent' }),
  );
}
