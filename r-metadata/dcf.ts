/**
 * The Debian Control File format R uses for DESCRIPTION and PACKAGES, read the way R's `read.dcf`
 * reads it: `Field: value` lines, indented continuation lines joined to their field with "\n", and
 * blank lines between records. See "The DESCRIPTION file" in Writing R Extensions and `?read.dcf`.
 */
import { DescriptionError } from './description-error.ts';

/** One DCF record: field name to value, trimmed, continuation lines joined with "\n". */
export type DcfRecord = Readonly<Record<string, string>>;

const FIELD_LINE = /^([^\s:]+):(.*)$/;
const FIELD_NAME = /^[A-Za-z0-9@/._-]+$/;
const CONTINUATION_LINE = /^[ \t]/;
const BLANK_LINE = /^[ \t]*$/;

/**
 * Parses DCF text into its records (a PACKAGES index has one per package). A byte order mark and
 * CRLF line ends are accepted. Throws `DescriptionError` naming the line: a continuation line with no
 * field before it, a line that is neither, a field name R does not allow, a field given twice.
 */
export function parseDcf(text: string): DcfRecord[] {
  return splitRecords(text).map((record) => record.fields);
}

/**
 * Parses a text that must hold exactly one record, as DESCRIPTION does: a blank line between two
 * fields is an error (R would silently drop what follows), as is a text with no field at all.
 */
export function parseDcfRecord(text: string): DcfRecord {
  const records = splitRecords(text);
  if (records.length === 0) throw new DescriptionError('it holds no fields');
  if (records.length > 1) {
    const blank = records[0].endLine + 1;
    throw new DescriptionError(`line ${blank} is blank, but DESCRIPTION must be a single record: remove blank lines, or indent a continuation line`, blank);
  }
  return records[0].fields;
}

interface ParsedRecord {
  readonly fields: DcfRecord;
  /** The record's last non-blank line, 1-based. */
  readonly endLine: number;
}

function splitRecords(text: string): ParsedRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const records: ParsedRecord[] = [];
  let values: Map<string, string[]> | undefined;
  let current: string[] | undefined;
  let firstSeen = new Map<string, number>();
  let endLine = 0;
  const finish = () => {
    if (values) records.push({ fields: toRecord(values), endLine });
    values = undefined;
    current = undefined;
    firstSeen = new Map();
  };

  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (BLANK_LINE.test(line)) return finish();
    endLine = lineNumber;
    if (CONTINUATION_LINE.test(line)) {
      if (!current) throw new DescriptionError(`line ${lineNumber} is indented like a continuation line but no field comes before it`, lineNumber);
      current.push(line.trim());
      return;
    }
    const match = FIELD_LINE.exec(line);
    if (!match) {
      throw new DescriptionError(
        `line ${lineNumber} is neither a 'Field: value' line nor an indented continuation line: ${JSON.stringify(clip(line))}`,
        lineNumber,
      );
    }
    const [, name, value] = match as unknown as [string, string, string];
    if (!FIELD_NAME.test(name)) {
      throw new DescriptionError(`line ${lineNumber}: field name '${clip(name)}' may hold only letters, digits and @ / . _ -`, lineNumber);
    }
    const earlier = firstSeen.get(name);
    if (earlier !== undefined) throw new DescriptionError(`field '${name}' appears twice, on lines ${earlier} and ${lineNumber}`, lineNumber);
    firstSeen.set(name, lineNumber);
    values ??= new Map();
    current = [value.trim()];
    values.set(name, current);
  });
  finish();
  return records;
}

function toRecord(values: Map<string, string[]>): DcfRecord {
  // A null prototype, so a field called `constructor` or `__proto__` is just a field.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, parts] of values) fields[name] = parts.join('\n').trim();
  return fields;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
