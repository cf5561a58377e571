/**
 * Parses the Debian Control File format R uses for DESCRIPTION, strictly: one record only, so a
 * blank line inside it is an error rather than the start of a record R would silently ignore.
 * See "The DESCRIPTION file" in Writing R Extensions and `?read.dcf`.
 */
import { errors } from '../errors.ts';

const FIELD_LINE = /^([^\s:]+):(.*)$/;
const FIELD_NAME = /^[A-Za-z0-9@/._-]+$/;
const CONTINUATION_LINE = /^[ \t]/;
const BLANK_LINE = /^[ \t]*$/;

/**
 * Parses one DCF record into its fields. Values are trimmed; continuation lines are trimmed and
 * joined to their field with '\n', as `read.dcf` does. Throws `invalid_description` naming the line.
 */
export function parseDcf(text: string): Record<string, string> {
  const lines = text.split(/\r?\n/);
  const values = new Map<string, string[]>();
  const firstSeen = new Map<string, number>();
  let current: string[] | undefined;
  let blankSince: number | undefined;

  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (BLANK_LINE.test(line)) {
      // Leading blank lines are skipped, as read.dcf does; later ones end the record.
      if (current) blankSince ??= lineNumber;
      return;
    }
    if (blankSince !== undefined) {
      throw errors.invalidDescription(
        `line ${blankSince} is blank, but DESCRIPTION must be a single record: remove blank lines, or indent a continuation line`,
      );
    }
    if (CONTINUATION_LINE.test(line)) {
      if (!current) throw errors.invalidDescription(`line ${lineNumber} is indented like a continuation line but no field comes before it`);
      current.push(line.trim());
      return;
    }
    const match = FIELD_LINE.exec(line);
    if (!match) {
      throw errors.invalidDescription(
        `line ${lineNumber} is neither a 'Field: value' line nor an indented continuation line: ${JSON.stringify(clip(line))}`,
      );
    }
    const [, name, value] = match as unknown as [string, string, string];
    if (!FIELD_NAME.test(name)) {
      throw errors.invalidDescription(`line ${lineNumber}: field name '${clip(name)}' may hold only letters, digits and @ / . _ -`);
    }
    const earlier = firstSeen.get(name);
    if (earlier !== undefined) throw errors.invalidDescription(`field '${name}' appears twice, on lines ${earlier} and ${lineNumber}`);
    firstSeen.set(name, lineNumber);
    current = [value.trim()];
    values.set(name, current);
  });

  if (values.size === 0) throw errors.invalidDescription('it holds no fields');
  // A null prototype, so a field called `constructor` or `__proto__` is just a field.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, parts] of values) fields[name] = parts.join('\n').trim();
  return fields;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
