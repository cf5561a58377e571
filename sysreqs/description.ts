/**
 * DESCRIPTION and PACKAGES files: Debian Control File (DCF) parsing, as R's `read.dcf` does it.
 * Pure functions; a malformed file throws `malformed_description`.
 */
import { malformedDescription } from './errors.ts';

/** One DCF record: field name to value, continuation lines joined with "\n". */
export type DcfRecord = Readonly<Record<string, string>>;

/** What sysreqs needs of an R package's DESCRIPTION (or of its PACKAGES entry). */
export interface PackageRecord {
  /** The `Package` field. */
  readonly name: string;
  /** The `SystemRequirements` field, or '' when absent. */
  readonly systemRequirements: string;
  /** Names in `Depends`, `Imports`, `LinkingTo`, `Suggests` (versions stripped; R itself dropped). */
  readonly depends: readonly string[];
  readonly imports: readonly string[];
  readonly linkingTo: readonly string[];
  readonly suggests: readonly string[];
}

const fieldLine = /^([A-Za-z0-9][^:\s]*):[ \t]*(.*)$/;

/**
 * Decodes DESCRIPTION bytes: UTF-8 when valid, otherwise the declared `Encoding` (latin1 /
 * ISO-8859-1, the only other one CRAN accepts), so non-UTF-8 files keep their text.
 */
export function decodeDescription(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const latin = new TextDecoder('latin1').decode(bytes);
    const declared = /^Encoding:[ \t]*(\S+)/im.exec(latin)?.[1]?.toLowerCase() ?? 'latin1';
    if (/^(latin-?1|iso-?8859-?1|cp1252|windows-1252)$/.test(declared)) return latin;
    throw malformedDescription(`the file is not valid UTF-8 and declares Encoding '${declared}', which rfarm cannot read; use UTF-8`);
  }
}

/** Parses DCF text into records separated by blank lines. */
export function parseDcf(text: string): DcfRecord[] {
  const records: Record<string, string>[] = [];
  let current: Record<string, string> | undefined;
  let lastField: string | undefined;
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      current = undefined;
      lastField = undefined;
      return;
    }
    if (/^[ \t]/.test(line)) {
      if (!current || !lastField) throw malformedDescription(`line ${index + 1} is a continuation line with no field before it: '${line.trim().slice(0, 60)}'`);
      const rest = line.trim();
      current[lastField] += current[lastField] === '' ? rest : `\n${rest === '.' ? '' : rest}`;
      return;
    }
    const match = fieldLine.exec(line);
    if (!match) throw malformedDescription(`line ${index + 1} is neither 'Field: value' nor an indented continuation: '${line.slice(0, 60)}'`);
    if (!current) records.push((current = {}));
    lastField = match[1];
    current[lastField] = match[2].trim();
  });
  return records;
}

/** Names in a dependency field such as `R (>= 4.0), methods, Rcpp (>= 1.0)`, R itself dropped. */
export function parseDependencyNames(field: string | undefined): string[] {
  if (!field) return [];
  return field
    .split(',')
    .map((entry) => entry.replace(/\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '').trim())
    .filter((name) => /^[A-Za-z][A-Za-z0-9.]*$/.test(name) && name !== 'R');
}

/** The sysreqs view of one DCF record; throws when it has no `Package` field. */
export function toPackageRecord(record: DcfRecord): PackageRecord {
  const name = record.Package?.trim();
  if (!name) throw malformedDescription("no 'Package' field");
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(name)) throw malformedDescription(`'Package: ${name}' is not a valid R package name`);
  return {
    name,
    systemRequirements: (record.SystemRequirements ?? '').trim(),
    depends: parseDependencyNames(record.Depends),
    imports: parseDependencyNames(record.Imports),
    linkingTo: parseDependencyNames(record.LinkingTo),
    suggests: parseDependencyNames(record.Suggests),
  };
}

/** Parses one DESCRIPTION (text or raw bytes) into a package record. */
export function parseDescription(input: string | Uint8Array): PackageRecord {
  const text = typeof input === 'string' ? input : decodeDescription(input);
  if (text.trim() === '') throw malformedDescription('the text is empty');
  const records = parseDcf(text);
  if (records.length !== 1) throw malformedDescription(`expected one record, found ${records.length} (blank lines separate records)`);
  return toPackageRecord(records[0]);
}
