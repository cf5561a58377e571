/** Reads a package's newest version out of a repository `PACKAGES` index. Pure functions. */
import { compareRVersions, parseDcfRecord } from '../../r-metadata/index.ts';

export { compareRVersions };

/** Every package of a PACKAGES file with its versions (records are separated by blank lines). */
export function readPackagesIndex(text: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  for (const record of text.split(/\r?\n[ \t]*\r?\n/)) {
    if (record.trim() === '') continue;
    const fields = parseDcfRecord(record);
    if (!fields.Package || !fields.Version) continue;
    packages.set(fields.Package, [...(packages.get(fields.Package) ?? []), fields.Version]);
  }
  return packages;
}

/** The newest version of `packageName` in a PACKAGES file, or null. */
export function newestVersion(index: string, packageName: string): string | null {
  const versions = readPackagesIndex(index).get(packageName) ?? [];
  return versions.sort(compareRVersions).at(-1) ?? null;
}
