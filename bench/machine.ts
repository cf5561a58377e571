/** The machine line: what the numbers were measured on (CPU, cores, memory, load, tool versions). */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { natsServerBinary } from '../scripts/nats-server.ts';

/** Facts about the host and the versions of everything in the measured path. */
export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly kernel: string;
  /** 1-minute load average when the suite started (others' work on a shared machine shows here). */
  readonly loadAverage: number;
  readonly node: string;
  readonly r: string;
  readonly natsServer: string;
  readonly bubblewrap: string;
}

function versionOf(command: string, args: string[], pattern: RegExp): string {
  try {
    const output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(output)?.[1] ?? output.trim().split('\n')[0];
  } catch {
    return 'not installed';
  }
}

export function machineFacts(): MachineFacts {
  const processors = cpus();
  let nats = 'not installed';
  try {
    nats = versionOf(natsServerBinary(), ['--version'], /v?(\d+\.\d+\.\d+)/);
  } catch {
    // natsServerBinary throws when nats-server is absent; the farm will say so when it starts.
  }
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
    node: process.version,
    r: versionOf('R', ['--version'], /R version (\S+)/),
    natsServer: nats,
    bubblewrap: versionOf('bwrap', ['--version'], /bubblewrap (\S+)/),
  };
}

/** One line: `machine: AMD EPYC, 2 cores, 23 GB, Linux 6.1, load 1.2; node v20 · R 4.2.2 · nats-server 2.9.10 · bwrap 0.8.0`. */
export function machineLine(facts: MachineFacts): string {
  return (
    `machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memoryGb} GB, Linux ${facts.kernel}, load ${facts.loadAverage} at start; ` +
    `node ${facts.node} · R ${facts.r} · nats-server ${facts.natsServer} · bubblewrap ${facts.bubblewrap}`
  );
}
