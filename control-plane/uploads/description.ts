/**
 * Turns the bytes of a package's DESCRIPTION into its checked identity: text decoding (UTF-8, or
 * latin1 when declared), DCF parsing, and R's rules for the Package and Version fields.
 */
import { errors } from '../errors.ts';
import { parseDcf } from './dcf.ts';

/** What a valid DESCRIPTION tells us about its package. */
export interface PackageDescription {
  /** The Package field. */
  readonly packageName: string;
  /** The Version field. */
  readonly version: string;
  /** The whole file as UTF-8 text. */
  readonly description: string;
  /** Every field, continuation lines joined. */
  readonly fields: Readonly<Record<string, string>>;
  /** Whether `R CMD build` made the archive: it adds a `Packaged:` field. */
  readonly prebuilt: boolean;
}

// The rules of R's tools:::.check_package_description (valid_package_name_regexp and
// valid_package_version_regexp in src/library/tools/R/utils.R).
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$/;
const PACKAGE_VERSION = /^[0-9]+([.-][0-9]+)+$/;
const LATIN1_NAMES = new Set(['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'iso_8859-1']);
const ENCODING_FIELD = /^Encoding:[ \t]*(\S*)/m;

/**
 * Checks the DESCRIPTION found in package folder `folder`: it must parse, name a valid package
 * equal to the folder's name, and give a valid version.
 */
export function readPackageDescription(bytes: Uint8Array, folder: string): PackageDescription {
  const description = decodeDescription(bytes);
  const fields = parseDcf(description);
  const packageName = fields.Package;
  const version = fields.Version;
  if (!packageName) throw errors.invalidDescription('the Package field is missing or empty; add `Package: <name>`');
  if (!version) throw errors.invalidDescription('the Version field is missing or empty; add e.g. `Version: 0.1.0`');
  if (!PACKAGE_NAME.test(packageName)) throw errors.invalidPackageName(packageName);
  if (packageName !== folder) {
    throw errors.noPackageDirectory(`the top-level folder is '${folder}' but DESCRIPTION names the package '${packageName}'; the two must be equal`);
  }
  if (!PACKAGE_VERSION.test(version)) throw errors.invalidPackageVersion(version);
  return Object.freeze({ packageName, version, description, fields: Object.freeze(fields), prebuilt: 'Packaged' in fields });
}

/** UTF-8 unless the file declares `Encoding: latin1`, as R reads it. */
function decodeDescription(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.includes(0)) throw errors.invalidDescription('it contains a NUL byte; DESCRIPTION must be a text file');
  // latin1 maps every byte to one character, so the Encoding field can be read before we know it.
  const declared = ENCODING_FIELD.exec(buffer.toString('latin1'))?.[1]?.toLowerCase();
  if (declared && LATIN1_NAMES.has(declared)) return buffer.toString('latin1');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    const hint = declared && declared !== 'utf-8' && declared !== 'utf8' ? ` (this farm reads only UTF-8 and latin1, not '${declared}')` : '';
    throw errors.invalidDescription(`its text is not valid UTF-8; declare Encoding: latin1 or re-save it as UTF-8${hint}`);
  }
  // TextDecoder drops a leading byte order mark by default, which is what we want.
  return text;
}
