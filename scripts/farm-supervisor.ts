/**
 * Keeps the local farm's processes running: when nats-server, the control plane, the sysreqs
 * service or an agent exits without being asked to, it is said in a JSON log line and started again
 * after a backoff (0.5 s, doubling to 30 s; back to 0.5 s once it has stayed up a minute). An agent
 * that exits 0 left on purpose (`DELETE /workers/:id`) and stays gone.
 */

/** A process the supervisor can watch and start again. */
export interface SupervisedProcess {
  readonly name: string;
  /** Called with how it ended whenever it exits without a stop() of ours. */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | null;
  /** Starts it again with the same settings; resolves once it runs (or rejects when it cannot). */
  restart(): Promise<void>;
}

/** One JSON log line's fields (pino's shape: level 30 info, 40 warn, 50 error). */
export type SupervisorLog = (line: Record<string, unknown>) => void;

/** Backoff before restart number `failures` (1-based). */
export function restartDelayMs(failures: number): number {
  return Math.min(500 * 2 ** Math.max(0, failures - 1), 30_000);
}

const STABLE_AFTER_MS = 60_000;

/** A JSON log line on stdout, as pino writes them. */
export function jsonLogLine(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), name: 'rfarm-supervisor', pid: process.pid, ...line })}\n`);
}

export class FarmSupervisor {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Restarts so far per process name (what tests and operators read). */
  readonly restarts = new Map<string, number>();

  constructor(private readonly log: SupervisorLog = jsonLogLine) {}

  /** Watches `process`; `restartOnCleanExit` false leaves a process that exited 0 alone (an agent asked to leave). */
  watch(process: SupervisedProcess, restartOnCleanExit = true): void {
    let failures = 0;
    let startedAt = Date.now();
    const schedule = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.stopped) return;
      if (code === 0 && !restartOnCleanExit) {
        this.log({ level: 30, service: process.name, code, msg: `${process.name} left the farm (exit 0); not restarted` });
        return;
      }
      failures = Date.now() - startedAt > STABLE_AFTER_MS ? 1 : failures + 1;
      const delayMs = restartDelayMs(failures);
      this.log({
        level: 50,
        service: process.name,
        code,
        signal,
        restartInMs: delayMs,
        msg: `${process.name} exited (${signal ?? `code ${code}`}); restarting in ${delayMs} ms`,
      });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        startedAt = Date.now();
        this.restarts.set(process.name, (this.restarts.get(process.name) ?? 0) + 1);
        process.restart().then(
          () => this.log({ level: 30, service: process.name, restarts: this.restarts.get(process.name), msg: `${process.name} restarted` }),
          (error: Error) => {
            this.log({ level: 50, service: process.name, err: error.message, msg: `${process.name} did not restart: ${error.message}` });
            schedule(null, null);
          },
        );
      }, delayMs);
      this.timers.add(timer);
    };
    process.onUnexpectedExit = schedule;
  }

  /** Restarts nothing from now on (the farm is stopping). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
