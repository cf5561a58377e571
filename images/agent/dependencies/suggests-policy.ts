/**
 * Which DESCRIPTION fields the install step must satisfy. The hard dependencies always; Suggests
 * when the check will insist on them, which is R's default (`_R_CHECK_FORCE_SUGGESTS_` unset or
 * true, with or without `--as-cran`); a submitter who sets it false skips installing them.
 */
import { parseDcfRecord, parseDependencyField, providedByR } from '../../../r-metadata/index.ts';

/** The fields R CMD check needs installed before it can install the package. */
export const HARD_DEPENDENCY_FIELDS = ['Depends', 'Imports', 'LinkingTo'] as const;

/** R's reading of a logical environment variable (tools:::config_val_to_logical). */
function rTruthy(value: string): boolean {
  return ['1', 'yes', 'true'].includes(value.trim().toLowerCase());
}

/** Whether a check with this environment fails on a Suggests that is not installed (R's default: it does). */
export function forcesSuggests(env: Readonly<Record<string, string>>): boolean {
  const given = env._R_CHECK_FORCE_SUGGESTS_;
  return given === undefined ? true : rTruthy(given);
}

/**
 * The fields to install for a check with this environment; `installSuggests` overrides the
 * default (a CRAN flavour does not insist on Suggests but has them installed, as CRAN does).
 */
export function dependencyFields(env: Readonly<Record<string, string>>, installSuggests = forcesSuggests(env)): string[] {
  return installSuggests ? [...HARD_DEPENDENCY_FIELDS, 'Suggests'] : [...HARD_DEPENDENCY_FIELDS];
}

/**
 * The packages the fields name, minus R and its base packages. Empty means the install step has
 * nothing to do, and the build skips starting R for it.
 */
export function declaredDependencies(description: string, fields: readonly string[]): string[] {
  const record = parseDcfRecord(description);
  const names = fields.flatMap((field) => parseDependencyField(record[field]).map((dependency) => dependency.name));
  return [...new Set(names)].filter((name) => !providedByR(name));
}
