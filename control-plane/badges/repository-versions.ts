/** Reads a package's newest version out of a repository `PACKAGES` index. Pure functions. */
import { parseDcfRecord } from '../../r-metadata/index.ts';

/** R's package_version ordering: numeric components, separated by '.' or '-'. */
export function compareRVersions(a: string, b: string): number {
  const left = a.split(/[.-]/).map(Number);
  const right = b.split(/[.-]/).map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? -1) - (right[index] ?? -1);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

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
