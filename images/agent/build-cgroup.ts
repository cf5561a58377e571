/**
 * A control group per sandboxed step, where the host lets the agent make one (root on the host or
 * in a container with a writable cgroup tree): a memory cap (tmpfs pages in /tmp and /dev/shm are
 * charged to it too) and a process cap. cgroup v2 where the unified hierarchy is mounted at
 * /sys/fs/cgroup, else the v1 `memory` and `pids` controllers. Where neither is writable, the
 * sandbox still has its rlimits (RLIMIT_NPROC on its own uid, RLIMIT_FSIZE) and the agent says so
 * once at start.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What one step may use. */
export interface CgroupLimits {
  readonly memoryBytes: number;
  readonly processes: number;
}

/** Where this host keeps the farm's groups, found once. */
export type CgroupHost =
  | { readonly kind: 'v2'; readonly root: string }
  | { readonly kind: 'v1'; readonly memoryRoot: string; readonly pidsRoot: string }
  | { readonly kind: 'none'; readonly why: string };

const CGROUP_FS = '/sys/fs/cgroup';
const FARM_GROUP = 'rfarm';

async function writable(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

/** Finds (and makes) the farm's parent groups; `none` with the reason when the host allows none. */
export async function detectCgroupHost(base = CGROUP_FS): Promise<CgroupHost> {
  if (existsSync(join(base, 'cgroup.controllers'))) {
    const root = join(base, FARM_GROUP);
    if (!(await writable(root))) return { kind: 'none', why: `${base} is not writable by the agent` };
    const available = (await readFile(join(base, 'cgroup.controllers'), 'utf8')).split(/\s+/);
    if (!available.includes('memory') || !available.includes('pids')) return { kind: 'none', why: 'the memory and pids controllers are not available' };
    try {
      await writeFile(join(base, 'cgroup.subtree_control'), '+memory +pids');
      await writeFile(join(root, 'cgroup.subtree_control'), '+memory +pids');
    } catch (error) {
      return { kind: 'none', why: `cannot enable the memory and pids controllers: ${(error as Error).message}` };
    }
    return { kind: 'v2', root };
  }
  const memoryRoot = join(base, 'memory', FARM_GROUP);
  const pidsRoot = join(base, 'pids', FARM_GROUP);
  if (!existsSync(join(base, 'memory')) || !existsSync(join(base, 'pids'))) return { kind: 'none', why: 'no cgroup v2 and no v1 memory/pids controllers' };
  if (!(await writable(memoryRoot)) || !(await writable(pidsRoot)))
    return { kind: 'none', why: 'the cgroup v1 memory/pids trees are not writable by the agent' };
  return { kind: 'v1', memoryRoot, pidsRoot };
}

/** One step's group: its `cgroup.procs` files (the launcher writes its own pid there) and its removal. */
export interface BuildCgroup {
  readonly procsFiles: readonly string[];
  /** True when the kernel had to kill something for memory (`oom_kill` in v2 memory.events, v1 memory.oom_control). */
  oomKilled(): Promise<boolean>;
  remove(): Promise<void>;
}

async function removeWhenEmpty(dir: string): Promise<void> {
  // The pid namespace's processes are reaped a moment after bwrap exits: retry briefly.
  for (let tries = 0; tries < 50; tries++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/** Makes the group `name` with `limits`; null on a host without usable cgroups. */
export async function createBuildCgroup(host: CgroupHost, name: string, limits: CgroupLimits): Promise<BuildCgroup | null> {
  if (host.kind === 'none') return null;
  if (host.kind === 'v2') {
    const dir = join(host.root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'memory.max'), String(limits.memoryBytes));
    await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
    await writeFile(join(dir, 'pids.max'), String(limits.processes));
    return {
      procsFiles: [join(dir, 'cgroup.procs')],
      oomKilled: async () => /oom_kill [1-9]/.test(await readFile(join(dir, 'memory.events'), 'utf8').catch(() => '')),
      remove: () => removeWhenEmpty(dir),
    };
  }
  const memory = join(host.memoryRoot, name);
  const pids = join(host.pidsRoot, name);
  await mkdir(memory, { recursive: true });
  await mkdir(pids, { recursive: true });
  await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
  await writeFile(join(pids, 'pids.max'), String(limits.processes));
  return {
    procsFiles: [join(memory, 'cgroup.procs'), join(pids, 'cgroup.procs')],
    oomKilled: async () => /oom_kill [1-9]/.test(await readFile(join(memory, 'memory.oom_control'), 'utf8').catch(() => '')),
    remove: async () => {
      await removeWhenEmpty(memory);
      await removeWhenEmpty(pids);
    },
  };
}

/** Argv prefix that puts the launcher (and so everything it starts) into the group, then execs the rest. */
export function enterCgroupArgv(cgroup: BuildCgroup | null): string[] {
  if (!cgroup) return [];
  const script = 'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"';
  return ['sh', '-c', script, 'rfarm-cgroup', ...cgroup.procsFiles, '--'];
}
