/** The sysreqs development set (../shared/sysreqs-bench/debian12-dev.json), read by the scoring test and the bench. */
import { fileURLToPath } from 'node:url';

/** Where the development set lives; absent in a user's fresh clone. */
export const DEV_SET_PATH = fileURLToPath(new URL('../../../shared/sysreqs-bench/debian12-dev.json', import.meta.url));

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
