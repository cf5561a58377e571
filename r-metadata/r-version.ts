/** R's package versions: ordering and version constraints, as `package_version` and R CMD INSTALL read them. Pure functions. */
import type { VersionConstraint } from './dependency-field.ts';

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

/** Whether `version` meets `constraint` (e.g. `1.2.0` meets `>= 1.1`). */
export function satisfiesConstraint(version: string, constraint: VersionConstraint): boolean {
  const order = compareRVersions(version, constraint.version);
  switch (constraint.operator) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
  }
}
