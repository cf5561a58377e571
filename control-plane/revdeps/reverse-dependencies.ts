/**
 * Which packages of CRAN-like repositories depend on a package, read from their `PACKAGES`
 * indices as `tools::package_dependencies(reverse = TRUE)` reads them, and whether the versions
 * those repositories have can satisfy them. Pure functions; the first building block of
 * reverse-dependency checks (README.md, "Reverse-dependency checks").
 */
import { compareRVersions, parseDcfRecord, parseDependencyField, providedByR, satisfiesConstraint, type VersionConstraint } from '../../r-metadata/index.ts';

/** The DESCRIPTION fields that make a dependency, strongest first. */
export const DEPENDENCY_FIELDS = ['Depends', 'Imports', 'LinkingTo', 'Suggests'] as const;
export type DependencyField = (typeof DEPENDENCY_FIELDS)[number];

/**
 * Which reverse dependencies a run checks, in R's own words (`which` of
 * `tools::package_dependencies()` and `tools::check_packages_in_dir(reverse = list(which = …))`):
 * `strong` (Depends, Imports, LinkingTo: R's and CRAN's default) or `most` (Suggests too).
 */
export const REVDEP_SCOPES = { strong: ['Depends', 'Imports', 'LinkingTo'], most: ['Depends', 'Imports', 'LinkingTo', 'Suggests'] } as const satisfies Record<
  string,
  readonly DependencyField[]
>;
export type RevdepScope = keyof typeof REVDEP_SCOPES;

/** A package that depends on the one asked about, and how. */
export interface ReverseDependency {
  readonly package: string;
  readonly version: string;
  /** The repository (its URL or name, as the caller labelled it) whose index lists it; the first one wins. */
  readonly repository: string;
  readonly fields: readonly DependencyField[];
  /** The version constraints it puts on the package in those fields (none: any version). */
  readonly constraints: readonly VersionConstraint[];
}

function records(text: string) {
  return text
    .split(/\r?\n[ \t]*\r?\n/)
    .filter((record) => record.trim() !== '')
    .map(parseDcfRecord);
}

/**
 * The packages in `indices` (repository label → PACKAGES text, searched in order) that name
 * `packageName` in one of `fields`. A package listed by several repositories counts once, from
 * the first.
 */
export function reverseDependencies(
  packageName: string,
  indices: ReadonlyArray<readonly [repository: string, packagesText: string]>,
  fields: readonly DependencyField[] = REVDEP_SCOPES.strong,
): ReverseDependency[] {
  const found = new Map<string, ReverseDependency>();
  for (const [repository, text] of indices) {
    for (const description of records(text)) {
      const name = description.Package;
      if (!name || name === packageName || found.has(name)) continue;
      const entries = fields.map((field) => [field, parseDependencyField(description[field]).filter((entry) => entry.name === packageName)] as const);
      const via = entries.filter(([, named]) => named.length > 0).map(([field]) => field);
      const constraints = entries.flatMap(([, named]) => named.flatMap((entry) => (entry.constraint ? [entry.constraint] : [])));
      if (via.length > 0) found.set(name, { package: name, version: description.Version ?? '', repository, fields: via, constraints });
    }
  }
  return [...found.values()].sort((a, b) => a.package.localeCompare(b.package));
}

/** The newest version of `packageName` any of `indices` lists, or null when none does. */
export function newestListedVersion(packageName: string, indices: ReadonlyArray<readonly [repository: string, packagesText: string]>): string | null {
  const versions = indices.flatMap(([, text]) => records(text).flatMap((record) => (record.Package === packageName && record.Version ? [record.Version] : [])));
  return versions.sort(compareRVersions).at(-1) ?? null;
}

/** A reverse dependency the repositories' version of the package cannot satisfy. */
export interface UnmetRequirement {
  /** What it asks for and what there is, e.g. `needs assertthat (>= 0.3.0); the repositories have 0.2.1`. */
  readonly text: string;
  /** Whether the submitted version meets every constraint (else it cannot be installed with either). */
  readonly submittedMeets: boolean;
}

/**
 * What `revdep` asks of `packageName` that the newest version in the repositories does not give,
 * or null when that version will do — or when nothing is known of it (no repository lists it, or
 * R itself provides it: the check says what it finds).
 */
export function unmetRequirement(
  packageName: string,
  revdep: ReverseDependency,
  newestPublished: string | null,
  submittedVersion: string,
): UnmetRequirement | null {
  if (newestPublished === null || providedByR(packageName)) return null;
  const unmet = revdep.constraints.filter((constraint) => !satisfiesConstraint(newestPublished, constraint));
  if (unmet.length === 0) return null;
  const wanted = unmet.map((constraint) => `${packageName} (${constraint.operator} ${constraint.version})`).join(', ');
  return {
    text: `needs ${wanted}; the repositories have ${newestPublished}`,
    submittedMeets: revdep.constraints.every((constraint) => satisfiesConstraint(submittedVersion, constraint)),
  };
}
