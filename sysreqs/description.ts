/**
 * What sysreqs reads of a DESCRIPTION or of a PACKAGES entry: its name, SystemRequirements and
 * dependency names. Reading DCF itself is r-metadata's; a text it refuses is `malformed_description`.
 */
import type { BuildFiles } from './build-files.ts';
import type { SourceInclude } from './source-includes.ts';
import { DescriptionError, decodeDescription, dependencyNames, parseDcfRecord, type DcfRecord } from '../r-metadata/index.ts';
import { malformedDescription } from './errors.ts';

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
  /** The package's build files (configure, src/Makevars*), when the source was given. */
  readonly buildFiles?: BuildFiles;
  /** System headers the package's code includes but does not ship, when the source was given. */
  readonly includes?: readonly SourceInclude[];
}

/** The sysreqs view of one DCF record; throws when it has no `Package` field. */
export function toPackageRecord(record: DcfRecord): PackageRecord {
  const name = record.Package?.trim();
  if (!name) throw malformedDescription("no 'Package' field");
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(name)) throw malformedDescription(`'Package: ${name}' is not a valid R package name`);
  return {
    name,
    systemRequirements: (record.SystemRequirements ?? '').trim(),
    depends: dependencyNames(record.Depends),
    imports: dependencyNames(record.Imports),
    linkingTo: dependencyNames(record.LinkingTo),
    suggests: dependencyNames(record.Suggests),
  };
}

/** Parses one DESCRIPTION (text or raw bytes) into a package record. */
export function parseDescription(input: string | Uint8Array): PackageRecord {
  return toPackageRecord(
    asMalformed(() => {
      const text = typeof input === 'string' ? input : decodeDescription(input, { undeclaredAsLatin1: true });
      if (text.trim() === '') throw malformedDescription('the text is empty');
      return parseDcfRecord(text);
    }),
  );
}

/** Runs `read`, turning a text r-metadata refuses into `malformed_description` with its message. */
export function asMalformed<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DescriptionError) throw malformedDescription(error.message);
    throw error;
  }
}
