/**
 * Runs one sandboxed command as its own process group, streaming its output and enforcing the
 * build's limits. The host's sandbox (os-sandbox.ts: bubblewrap on Linux, the per-build account
 * and policies on Windows, macOS and Solaris) decides what runs; this module runs it the same way
 * on every OS. Stopping kills the whole group (bwrap's pid namespace takes every child with it; on
 * Windows the launcher's Job Object does).
 * Besides the wall-time, silence and output limits, a watchdog measures the job directory (and the
 * host's free space) every few seconds and stops a step that writes past its share of the disk.
 */
import { execFile, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { lstat, mkdir, readdir, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createBuildCgroup, enterCgroupArgv, type CgroupHost, type CgroupLimits } from './build-cgroup.ts';
import { stepLaunch, type SandboxKind, type StepLaunch } from './os-sandbox.ts';
import type { SandboxIdentity, SandboxLimits, SandboxSpec, SandboxSystem } from './sandbox.ts';

/** Why we stopped a process ourselves. */
export type StopReason = 'wall-time' | 'silence' | 'output-limit' | 'disk-limit' | 'cancelled';

/** Limits shared by every step of one build. */
export interface BuildLimits {
  /** Epoch ms after which the build is past its wall time. */
  readonly deadline: number;
  readonly silenceMs: number;
  readonly outputLimitBytes: number;
  /** Aborted when the user cancels the build. */
  readonly cancel: AbortSignal;
}

/** What the host adds around each step: a control group and a disk quota. */
export interface StepGuards {
  /** The sandbox of this host's OS (`sandboxKindOf(process.platform)`). */
  readonly sandbox: SandboxKind;
  readonly cgroups: CgroupHost;
  readonly cgroupLimits: CgroupLimits;
  /** Most bytes the step's writable directory may hold; Infinity: not measured (only the free-space floor holds). */
  readonly diskBytes: number;
  /** Stop the step when the host's free space under the directory falls below this. */
  readonly minFreeDiskBytes: number;
  /** First per-build user slot of this agent (FARM_BUILD_USER_SLOT_BASE), so agents sharing a host never share a build user. Default 0. */
  readonly firstUserSlot?: number;
}

/** Everything about sandboxes that is fixed for one agent: prepared once at start (sandbox-host.ts). */
export interface SandboxHost {
  readonly system: SandboxSystem;
  /** Host identity of builds (checks, R CMD build); unset when the agent cannot switch (not root). */
  readonly buildIdentity?: SandboxIdentity;
  /** Host identity of the dependency install step, the only writer of the dependency cache. */
  readonly installIdentity?: SandboxIdentity;
  readonly limits: SandboxLimits;
  readonly guards: StepGuards;
}

/** Console output accounting across the steps of a build. */
export interface OutputSink {
  write(text: string): void;
  readonly bytes: number;
}

export interface ProcessOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when we stopped it. */
  readonly stopped: StopReason | null;
  /** What the stop was about, for the user (e.g. how much disk was used). */
  readonly stopDetail: string;
  /** The last lines it printed, for error messages. */
  readonly tail: string;
  /** Everything it printed (up to CAPTURE_CHARS), as the agent received it through its own pipe. */
  readonly text: string;
  /** The kernel killed a process of the step for memory. */
  readonly outOfMemory: boolean;
  /** Could not be started at all. */
  readonly spawnError: Error | null;
}

const TAIL_CHARS = 4000;
const CAPTURE_CHARS = 8_000_000;
const DISK_POLL_MS = 2_000;
/** A directory with more entries than this counts as over quota (walking it would cost too much). */
const MAX_DIRECTORY_ENTRIES = 200_000;

let stepCounter = 0;

/** Bytes under `dir` (links and special files count as their own size); Infinity past the entry cap. */
export async function directoryBytes(dir: string, budget = { entries: MAX_DIRECTORY_ENTRIES }): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (--budget.entries < 0) return Number.POSITIVE_INFINITY;
    const path = join(dir, name);
    const stat = await lstat(path).catch(() => null);
    if (!stat) continue;
    total += stat.isDirectory() ? await directoryBytes(path, budget) : stat.blocks * 512;
    if (!Number.isFinite(total)) return total;
  }
  return total;
}

function diskWatchdog(dir: string, guards: StepGuards, stop: (detail: string) => void): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    const measured = Number.isFinite(guards.diskBytes) ? directoryBytes(dir) : Promise.resolve(0);
    Promise.all([measured, statfs(dir).catch(() => null)])
      .then(([used, fs]) => {
        if (used > guards.diskBytes)
          stop(
            `the build's directory grew past ${guards.diskBytes} bytes${Number.isFinite(used) ? ` (${used})` : ` (more than ${MAX_DIRECTORY_ENTRIES} files)`}`,
          );
        else if (fs && fs.bavail * fs.bsize < guards.minFreeDiskBytes) stop(`the host's disk is nearly full (${fs.bavail * fs.bsize} bytes free)`);
      })
      .finally(() => (busy = false));
  }, DISK_POLL_MS);
}

/** User slots of the steps running now on a host that makes a user per step (macOS, Solaris). */
const slotsInUse = new Set<number>();

function takeSlot(first: number): number {
  for (let slot = first; ; slot++) {
    if (!slotsInUse.has(slot)) {
      slotsInUse.add(slot);
      return slot;
    }
  }
}

const run = promisify(execFile);

/** Runs a foreign sandbox's setup or teardown command; the output goes to the build's console on failure. */
async function runHostCommand(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<void> {
  await run(argv[0], argv.slice(1), { env: { ...env }, timeout: 120_000, maxBuffer: 1 << 20 });
}

function failed(error: unknown): ProcessOutcome {
  const reason = error instanceof Error ? error : new Error(String(error));
  return { exitCode: null, signal: null, stopped: null, stopDetail: '', tail: '', text: '', outOfMemory: false, spawnError: reason };
}

export async function runSandboxed(spec: SandboxSpec, limits: BuildLimits, sink: OutputSink, guards: StepGuards): Promise<ProcessOutcome> {
  const slot = guards.sandbox === 'bubblewrap' ? -1 : takeSlot(guards.firstUserSlot ?? 0);
  try {
    const id = { buildId: `${process.pid.toString(36)}-${(++stepCounter).toString(36)}`.slice(0, 16), slot };
    const cpuSeconds = Math.max(1, Math.ceil((limits.deadline - Date.now()) / 1000));
    let launch: StepLaunch;
    try {
      launch = stepLaunch(guards.sandbox, spec, id, { memoryBytes: guards.cgroupLimits.memoryBytes, cpuSeconds });
    } catch (error) {
      return failed(error);
    }
    return launch.seccomp ? await runBubblewrap(spec, launch, id.buildId, limits, sink, guards) : await runForeign(spec, launch, limits, sink, guards);
  } finally {
    slotsInUse.delete(slot);
  }
}

async function runBubblewrap(
  spec: SandboxSpec,
  launch: StepLaunch,
  stepId: string,
  limits: BuildLimits,
  sink: OutputSink,
  guards: StepGuards,
): Promise<ProcessOutcome> {
  const cgroup = await createBuildCgroup(guards.cgroups, `step-${stepId}`, guards.cgroupLimits);
  const descriptors: number[] = [];
  try {
    descriptors.push(openSync(spec.system.seccompFile, 'r'));
    const outcome = await runWithin(spec, limits, sink, guards, [...enterCgroupArgv(cgroup), ...launch.argv], launch.env, descriptors);
    return { ...outcome, outOfMemory: (await cgroup?.oomKilled()) ?? false };
  } catch (error) {
    return failed(error);
  } finally {
    for (const fd of descriptors) closeSync(fd);
    await cgroup?.remove().catch(() => undefined);
  }
}

/** Windows, macOS, Solaris: files and setup as the agent, the step as the build's own account, then teardown whatever happened. */
async function runForeign(spec: SandboxSpec, launch: StepLaunch, limits: BuildLimits, sink: OutputSink, guards: StepGuards): Promise<ProcessOutcome> {
  try {
    for (const file of launch.files) {
      await mkdir(dirname(file.path), { recursive: true, mode: 0o755 });
      await writeFile(file.path, file.content, { mode: file.mode });
    }
    for (const command of launch.setup) await runHostCommand(command, launch.env);
    return await runWithin(spec, limits, sink, guards, [...launch.argv], launch.env, []);
  } catch (error) {
    return failed(error);
  } finally {
    for (const command of launch.teardown) {
      await runHostCommand(command, launch.env).catch((error: Error) => sink.write(`\n>>> rfarm: cleaning up the sandbox: ${error.message}\n`));
    }
  }
}

function runWithin(
  spec: SandboxSpec,
  limits: BuildLimits,
  sink: OutputSink,
  guards: StepGuards,
  argv: string[],
  env: Readonly<Record<string, string>>,
  descriptors: number[],
): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    let stopped: StopReason | null = null;
    let stopDetail = '';
    let tail = '';
    let text = '';
    let spawnError: Error | null = null;
    // The launcher starts with nothing of the agent's environment: the sandbox's pid 1 keeps it.
    const child = spawn(argv[0], argv.slice(1), { detached: true, env: { ...env }, stdio: ['ignore', 'pipe', 'pipe', ...descriptors] });

    const stop = (reason: StopReason, detail = '') => {
      if (stopped || child.exitCode !== null) return;
      stopped = reason;
      stopDetail = detail;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    let silenceTimer = setTimeout(() => stop('silence'), limits.silenceMs);
    const wallTimer = setTimeout(() => stop('wall-time'), Math.max(0, limits.deadline - Date.now()));
    const diskTimer = diskWatchdog(spec.jobDir, guards, (detail) => stop('disk-limit', detail));
    const onCancel = () => stop('cancelled');
    if (limits.cancel.aborted) onCancel();
    limits.cancel.addEventListener('abort', onCancel);

    const onData = (chunk: Buffer) => {
      const chunkText = chunk.toString('utf8');
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => stop('silence'), limits.silenceMs);
      tail = (tail + chunkText).slice(-TAIL_CHARS);
      if (text.length < CAPTURE_CHARS) text += chunkText.slice(0, CAPTURE_CHARS - text.length);
      if (sink.bytes + chunk.length > limits.outputLimitBytes) {
        sink.write(chunkText.slice(0, Math.max(0, limits.outputLimitBytes - sink.bytes)));
        stop('output-limit');
        return;
      }
      sink.write(chunkText);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(silenceTimer);
      clearTimeout(wallTimer);
      clearInterval(diskTimer);
      limits.cancel.removeEventListener('abort', onCancel);
      resolve({ exitCode, signal, stopped, stopDetail, tail, text, outOfMemory: false, spawnError });
    });
  });
}
