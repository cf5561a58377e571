/**
 * Runs one sandboxed command as its own process group, streaming its output and enforcing the
 * build's limits. Stopping kills the whole group (bwrap's pid namespace takes every child with it).
 */
import { spawn } from 'node:child_process';
import { sandboxArgv, type SandboxSpec } from './sandbox.ts';

/** Why we stopped a process ourselves. */
export type StopReason = 'wall-time' | 'silence' | 'output-limit' | 'cancelled';

/** Limits shared by every step of one build. */
export interface BuildLimits {
  /** Epoch ms after which the build is past its wall time. */
  readonly deadline: number;
  readonly silenceMs: number;
  readonly outputLimitBytes: number;
  /** Aborted when the user cancels the build. */
  readonly cancel: AbortSignal;
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
  /** The last lines it printed, for error messages. */
  readonly tail: string;
  /** Could not be started at all. */
  readonly spawnError: Error | null;
}

const TAIL_CHARS = 4000;

export function runSandboxed(spec: SandboxSpec, limits: BuildLimits, sink: OutputSink): Promise<ProcessOutcome> {
  const argv = sandboxArgv(spec);
  return new Promise((resolve) => {
    let stopped: StopReason | null = null;
    let tail = '';
    let spawnError: Error | null = null;
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

    const stop = (reason: StopReason) => {
      if (stopped || child.exitCode !== null) return;
      stopped = reason;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    let silenceTimer = setTimeout(() => stop('silence'), limits.silenceMs);
    const wallTimer = setTimeout(() => stop('wall-time'), Math.max(0, limits.deadline - Date.now()));
    const onCancel = () => stop('cancelled');
    if (limits.cancel.aborted) onCancel();
    limits.cancel.addEventListener('abort', onCancel);

    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => stop('silence'), limits.silenceMs);
      tail = (tail + text).slice(-TAIL_CHARS);
      if (sink.bytes + chunk.length > limits.outputLimitBytes) {
        sink.write(text.slice(0, Math.max(0, limits.outputLimitBytes - sink.bytes)));
        stop('output-limit');
        return;
      }
      sink.write(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(silenceTimer);
      clearTimeout(wallTimer);
      limits.cancel.removeEventListener('abort', onCancel);
      resolve({ exitCode, signal, stopped, tail, spawnError });
    });
  });
}
