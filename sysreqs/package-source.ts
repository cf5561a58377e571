/**
 * Where package records come from: the request's DESCRIPTION, the repository index, or (for names
 * the index lacks) the rules that name the package. Also expands dependencies for `recursive`.
 */
import type { PackageRecord } from './description.ts';
import { invalidRequest, unknownPackage } from './errors.ts';
import { dependencyClosure, type RepositoryIndex } from './repository-index.ts';
import type { Unmatched } from './resolver.ts';
import type { RuleDatabase } from './rule-database.ts';

/** The records to resolve and the dependencies that could not be found. */
export interface CollectedPackages {
  readonly records: PackageRecord[];
  readonly missing: Unmatched[];
}

function recordKnownOnlyByRules(name: string): PackageRecord {
  return { name, systemRequirements: '', depends: [], imports: [], linkingTo: [], suggests: [] };
}

/**
 * Records for package names. With a repository index, a name neither the index nor a rule knows is
 * an `unknown_package` error naming every such name. Without one (a local farm), such a name gets an
 * empty record — nothing is known to be needed — and a note saying why, so ggplot2 answers "nothing
 * needed" rather than an error.
 */
export function recordsForNames(
  names: readonly string[],
  rules: RuleDatabase,
  index: RepositoryIndex | undefined,
): { records: PackageRecord[]; notes: Unmatched[] } {
  const unknown = names.filter((name) => !index?.packages.has(name) && !rules.byPackage.has(name) && !rules.byLinkingTo.has(name));
  if (unknown.length > 0 && index !== undefined) throw unknownPackage(unknown);
  const notes = unknown.map((name) => ({
    package: name,
    field: 'Package',
    text: name,
    reason:
      'no rule names this package and no repository index is configured, so its SystemRequirements are unknown; nothing is installed for it (set SYSREQS_REPOSITORY, or send its DESCRIPTION)',
  }));
  return { records: names.map((name) => index?.packages.get(name) ?? recordKnownOnlyByRules(name)), notes };
}

/** Options of `collectPackages`. */
export interface CollectOptions {
  readonly recursive: boolean;
  readonly suggests: boolean;
  /** Without an index, skip recursion quietly instead of failing (Posit-compatible routes). */
  readonly recursionNeedsIndex: boolean;
}

/** The roots, plus their dependencies from the index when recursive. */
export function collectPackages(roots: PackageRecord[], index: RepositoryIndex | undefined, options: CollectOptions): CollectedPackages {
  if (!options.recursive) return { records: roots, missing: [] };
  if (!index) {
    if (options.recursionNeedsIndex)
      throw invalidRequest('recursive resolution needs a repository index; start the service with SYSREQS_REPOSITORY set to a CRAN-like repository');
    return { records: roots, missing: [] };
  }
  return dependencyClosure(roots, index, { suggests: options.suggests });
}
