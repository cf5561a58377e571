/**
 * Prepares, once per agent, everything its sandboxes share: the system view and seccomp program,
 * the host identities builds run as (only a root agent can choose; it never lets a build be root),
 * the per-step limits and the control-group support of this host.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { detectCgroupHost } from './build-cgroup.ts';
import { loadConfig, type AgentConfig } from './config.ts';
import { INSTALL_SCRIPT } from './dependencies/dependency-installer.ts';
import type { SandboxHost } from './sandboxed-process.ts';
import { prepareSandboxSystem } from './sandbox-system.ts';

/** Whether this process can hand builds to another uid (it is root). */
export function canSwitchIdentity(): boolean {
  return process.getuid?.() === 0;
}

export async function prepareSandboxHost(config: AgentConfig, log: Logger): Promise<SandboxHost> {
  const root = canSwitchIdentity();
  // bwrap opens bind sources as the build's uid: it must be able to pass through the data directory
  // (not list it: 0711); what lies inside is mounted only where a step asks for it.
  await mkdir(config.dataDir, { recursive: true });
  if (root) {
    await chmod(config.dataDir, 0o711);
    await mkdir(join(config.dataDir, 'sandbox'), { recursive: true, mode: 0o711 });
    await chmod(join(config.dataDir, 'sandbox'), 0o711);
  }
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
      cgroups,
      cgroupLimits: { memoryBytes: config.buildMemoryBytes, processes: config.buildProcesses },
      diskBytes: config.buildDiskBytes,
      minFreeDiskBytes: config.minFreeDiskBytes,
    },
  };
}

/** A sandbox host with the default settings over `dataDir`, for tools and tests that run steps without an agent. */
export function standaloneSandboxHost(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<SandboxHost> {
  return prepareSandboxHost(loadConfig({ ...env, FARM_DATA_DIR: dataDir, FARM_WORKER_ID: env.FARM_WORKER_ID ?? `standalone-${process.pid}` }), pino({ level: 'silent' }));
}
