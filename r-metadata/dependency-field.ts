/**
 * The dependency fields of a DESCRIPTION (`Depends`, `Imports`, `LinkingTo`, `Suggests`, `Enhances`):
 * comma-separated package names, each with at most one version constraint, as R's
 * `tools:::.split_dependencies` reads them.
 */

/** One entry of a dependency field, e.g. `Rcpp (>= 1.0.0)`. */
export interface Dependency {
  /** The package name; `R` for a constraint on R itself. */
  readonly name: string;
  /** The version constraint, when the entry gives one. */
  readonly constraint?: VersionConstraint;
}

/** A version constraint such as `>= 1.0.0`. */
export interface VersionConstraint {
  readonly operator: '>=' | '>' | '==' | '<=' | '<' | '!=';
  readonly version: string;
}

/** R's valid package name (tools:::valid_package_name_regexp), allowing one-letter names here. */
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9.]*$/;
const CONSTRAINT = /^\(\s*(>=|<=|==|!=|>|<)\s*([^\s)]+)\s*\)$/;

/**
 * The entries of one dependency field, in order. Whitespace and line breaks are ignored; an entry
 * whose name is not a valid R package name is left out, as is a constraint R could not read.
 */
export function parseDependencyField(field: string | undefined): Dependency[] {
  if (!field) return [];
  return field.split(',').flatMap((entry) => {
    // Platform qualifiers such as `[unix]` are not R's syntax but appear in old files; drop them.
    const text = entry
      .replace(/\[[^\]]*\]/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    const open = text.indexOf('(');
    const name = (open === -1 ? text : text.slice(0, open)).trim();
    if (!PACKAGE_NAME.test(name)) return [];
    const match = open === -1 ? null : CONSTRAINT.exec(text.slice(open));
    const constraint = match ? { operator: match[1] as VersionConstraint['operator'], version: match[2] } : undefined;
    return [constraint ? { name, constraint } : { name }];
  });
}

/** The package names of one dependency field, versions dropped, R itself left out. */
export function dependencyNames(field: string | undefined): string[] {
  return parseDependencyField(field)
    .map((dependency) => dependency.name)
    .filter((name) => name !== 'R');
}
