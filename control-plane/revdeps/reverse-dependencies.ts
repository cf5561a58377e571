/**
 * Which packages of CRAN-like repositories depend on a package, read from their `PACKAGES`
 * indices as `tools::package_dependencies(reverse = TRUE)` reads them. Pure functions; the first
 * building block of reverse-dependency checks (README.md, "Reverse-dependency checks").
 */
import { dependencyNames, parseDcfRecord } from '../../r-metadata/index.ts';

/** The DESCRIPTION fields that make a dependency, strongest first. */
export const DEPENDENCY_FIELDS = ['Depends', 'Imports', 'LinkingTo', 'Suggests'] as const;
export type DependencyField = (typeof DEPENDENCY_FIELDS)[number];

/** A package that depends on the one asked about, and how. */
export interface ReverseDependency {
  readonly package: string;
  readonly version: string;
  /** The repository (its URL or name, as the caller labelled it) whose index lists it; the first one wins. */
  readonly repository: string;
  readonly fields: readonly DependencyField[];
}

/**
 * The packages in `indices` (repository label → PACKAGES text, searched in order) that name
 * `packageName` in one of `fields`. A package listed by several repositories counts once, from
 * the first.
 */
export function reverseDependencies(
  packageName: string,
  indices: ReadonlyArray<readonly [repository: string, packagesText: string]>,
  fields: readonly DependencyField[] = ['Depends', 'Imports', 'LinkingTo'],
): ReverseDependency[] {
  const found = new Map<string, ReverseDependency>();
  for (const [repository, text] of indices) {
    for (const record of text.split(/\r?\n[ \t]*\r?\n/)) {
      if (record.trim() === '') continue;
      const description = parseDcfRecord(record);
      const name = description.Package;
      if (!name || name === packageName || found.has(name)) continue;
      const via = fields.filter((field) => dependencyNames(description[field]).includes(packageName));
      if (via.length > 0) found.set(name, { package: name, version: description.Version ?? '', repository, fields: via });
    }
  }
  return [...found.values()].sort((a, b) => a.package.localeCompare(b.package));
}
