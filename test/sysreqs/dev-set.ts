/** The sysreqs development set (shared/sysreqs-bench/debian12-dev.json), read by the scoring tests and the bench. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the development set and its scorer: `shared/sysreqs-bench` next to the checkout or
 * next to any folder above it (a git worktree sits one level deeper), or SYSREQS_BENCH_DIR.
 * Undefined in a user's fresh clone.
 */
export const BENCH_DIR: string | undefined = (() => {
  const chosen = process.env.SYSREQS_BENCH_DIR;
  if (chosen) return existsSync(join(chosen, 'score.mjs')) ? chosen : undefined;
  for (let dir = dirname(fileURLToPath(new URL('../../', import.meta.url))); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'shared', 'sysreqs-bench', 'score.mjs'))) return join(dir, 'shared', 'sysreqs-bench');
  }
  return undefined;
})();

/** Where the development set lives; absent in a user's fresh clone. */
export const DEV_SET_PATH = join(BENCH_DIR ?? '/nonexistent', 'debian12-dev.json');

/** The fields of a development-set record a DESCRIPTION is made from. */
export interface DevRecord {
  readonly package: string;
  readonly version: string;
  readonly systemRequirements: string;
  readonly depends: readonly string[];
  readonly imports: readonly string[];
  readonly linkingTo: readonly string[];
}

/** DESCRIPTION text of a record, long fields as DCF continuation lines. */
export function descriptionOf(record: DevRecord): string {
  const field = (name: string, value: string) => `${name}: ${value.split('\n').join('\n    ')}`;
  const lines = [field('Package', record.package), field('Version', record.version)];
  if (record.systemRequirements.trim()) lines.push(field('SystemRequirements', record.systemRequirements.trim()));
  if (record.depends.length) lines.push(field('Depends', record.depends.join(',\n')));
  if (record.imports.length) lines.push(field('Imports', record.imports.join(',\n')));
  if (record.linkingTo.length) lines.push(field('LinkingTo', record.linkingTo.join(',\n')));
  return `${lines.join('\n')}\n`;
}
