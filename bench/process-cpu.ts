/**
 * CPU time used by the farm's processes over a measured stretch, read from /proc (Linux): what a
 * throughput figure costs on each side, so a rate can be read against the machine's cores.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on every Linux we run). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or null when it cannot be read. */
export function processCpuSeconds(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** This process's own CPU seconds (user + system). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** A named set of processes whose CPU use is read at the start and end of a stretch. */
export class CpuMeter {
  private readonly start: Map<string, number | null>;

  constructor(private readonly processes: Readonly<Record<string, () => number | null>>) {
    this.start = new Map(Object.entries(processes).map(([name, read]) => [name, read()]));
  }

  /** CPU seconds each process used since the meter was made (null where it could not be read). */
  used(): Record<string, number | null> {
    return Object.fromEntries(
      Object.entries(this.processes).map(([name, read]) => {
        const before = this.start.get(name);
        const now = read();
        return [name, before === null || before === undefined || now === null ? null : now - before];
      }),
    );
  }
}
