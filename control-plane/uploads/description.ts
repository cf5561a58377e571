/**
 * Turns the bytes of a package's DESCRIPTION into its checked identity: text decoding (UTF-8, or
 * latin1 when declared), DCF parsing, and R's rules for the Package and Version fields.
 */
import { DescriptionError, decodeDescription, parseDcfRecord, type DcfRecord } from '../../r-metadata/index.ts';
import { errors } from '../errors.ts';

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

/**
 * Checks the DESCRIPTION found in package folder `folder`: it must parse, name a valid package
 * equal to the folder's name, and give a valid version.
 */
export function readPackageDescription(bytes: Uint8Array, folder: string): PackageDescription {
  const { description, fields } = readDescription(bytes);
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

/** Decodes and parses, turning what the reader refuses into `invalid_description`. */
function readDescription(bytes: Uint8Array): { description: string; fields: DcfRecord } {
  try {
    const description = decodeDescription(bytes);
    return { description, fields: parseDcfRecord(description) };
  } catch (error) {
    if (error instanceof DescriptionError) throw errors.invalidDescription(error.message);
    throw error;
  }
}
