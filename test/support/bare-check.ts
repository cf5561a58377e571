/**
 * A bare `R CMD check` beside the farm, for tests that compare verdicts: the farm's command as the
 * build recorded it, an empty environment but for what a shell needs and the variables given, no
 * network (unshare, as root), in a fresh directory with the same tarball.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckLog } from '../../images/agent/check-log.ts';

/** Runs the check and parses its 00check.log; throws with the console output when there is none. */
export function bareCheck(tarball: string, command: readonly string[], env: Record<string, string>): ReturnType<typeof parseCheckLog> {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-bare-'));
  writeFileSync(join(dir, command.at(-1)!), readFileSync(tarball));
  const base = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, TMPDIR: '/tmp', LANG: 'C.UTF-8' };
  const assignments = Object.entries({ ...base, ...env }).map(([name, value]) => `${name}=${value}`);
  const run = spawnSync('unshare', ['--net', '--', 'env', '-i', ...assignments, ...command], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  const name = /^(.*)_[^_]+\.tar\.gz$/.exec(command.at(-1)!)![1];
  const log = join(dir, `${name}.Rcheck`, '00check.log');
  if (!existsSync(log)) throw new Error(`the bare check wrote no log (exit ${run.status}, ${run.error?.message ?? ''}):\n${run.stdout}\n${run.stderr}`);
  return parseCheckLog(readFileSync(log, 'utf8'));
}

/** A result's findings as sorted `SEVERITY check` lines, to compare two results. */
export const findings = (result: { items: readonly { severity: string; check: string }[] }) =>
  result.items.map((item) => `${item.severity} ${item.check}`).sort();
