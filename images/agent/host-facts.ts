/** Reads the host's own facts (os-release, R, compiler) so the agent can say honestly what it is. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { arch } from 'node:os';
import { promisify } from 'node:util';
import type { HostFacts } from '../index.ts';

const run = promisify(execFile);

function osReleaseField(text: string, field: string): string | undefined {
  const match = new RegExp(`^${field}=(.*)$`, 'm').exec(text);
  return match?.[1].replace(/^"|"$/g, '');
}

/** Collects the facts; fails with a clear message when R is not installed. */
export async function readHostFacts(): Promise<HostFacts> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const [version, cc] = await Promise.all([
    run('R', ['--version']).catch(() => {
      throw new Error('R is not installed or not on PATH: install r-base-core (npm start does it as root)');
    }),
    run('R', ['CMD', 'config', 'CC']).catch(() => ({ stdout: 'unknown' })),
  ]);
  return {
    distribution: osReleaseField(osRelease, 'ID') ?? 'linux',
    release: osReleaseField(osRelease, 'VERSION_ID') ?? 'testing',
    machine: arch() === 'x64' ? 'x86_64' : arch(),
    rVersionLine: version.stdout.split('\n')[0],
    cc: cc.stdout.trim(),
  };
}
