/**
 * k-fold cross-validation of the rules' name lists (`packages:` and `linking_to:`) on the development
 * set: each fold is resolved by a rule database whose name-list entries keyed by that fold's packages
 * are dropped — the rules as they would be had nobody written them from those packages.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_RULES_DIR,
  buildRuleDatabase,
  parseDescription,
  resolve,
  resolvePlatform,
  ruleFiles,
  type BuildFiles,
  type RuleDatabase,
  type ResolveOptions,
  type RuleDatabaseOptions,
  type SourceInclude,
} from '../../sysreqs/index.ts';
import { descriptionOf, type DevRecord } from './dev-set.ts';

/** Folds of the cross-validation. */
export const FOLDS = 5;

/** The fold of a package: a hash of its name, so folds are fixed and independent of file order. */
export function foldOf(name: string, folds = FOLDS): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % folds;
}

type RuleDocument = Record<string, unknown> & { packages?: Record<string, unknown>; linking_to?: Record<string, unknown> };

/** The shipped rules, with the name-list entries of `heldOut` packages dropped. */
export function rulesWithout(heldOut: ReadonlySet<string>, dir = DEFAULT_RULES_DIR, options: RuleDatabaseOptions = {}): RuleDatabase {
  const keep = (entries: Record<string, unknown> | undefined) =>
    entries ? Object.fromEntries(Object.entries(entries).filter(([name]) => !heldOut.has(name))) : undefined;
  return buildRuleDatabase(
    ruleFiles(dir).map((file) => {
      const document = parseYaml(readFileSync(file, 'utf8')) as RuleDocument;
      const packages = keep(document.packages);
      const linkingTo = keep(document.linking_to);
      const { packages: _packages, linking_to: _linkingTo, ...rest } = document;
      return {
        file,
        document: {
          ...rest,
          ...(packages && Object.keys(packages).length ? { packages } : {}),
          ...(linkingTo && Object.keys(linkingTo).length ? { linking_to: linkingTo } : {}),
        },
      };
    }),
    options,
  );
}

/** What the resolver reads of the development packages' sources (build files, unshipped includes), by R package. */
export type SourceBuildFiles = ReadonlyMap<string, { readonly buildFiles: BuildFiles; readonly includes: readonly SourceInclude[] }>;

/**
 * Debian 12 predictions for each record, from the given rules (the package's own needs only): its
 * DESCRIPTION, and its configure/Makevars when `sources` has them (what the agent sends).
 */
export function predict(
  db: RuleDatabase,
  records: readonly DevRecord[],
  sources?: SourceBuildFiles,
  resolveOptions: ResolveOptions = {},
): Record<string, string[]> {
  const platform = resolvePlatform('debian-12');
  return Object.fromEntries(
    records.map((record) => {
      const source = sources?.get(record.package);
      return [record.package, [...resolve(db, platform, [{ ...parseDescription(descriptionOf(record)), ...(source ?? {}) }], resolveOptions).packages]];
    }),
  );
}

/**
 * Predictions where each fold is resolved by the rules written without that fold's packages. The
 * package contents index (sysreqs/debian-files/) stays: it is Debian's file lists, not drawn from
 * the development set's answers.
 */
export function crossValidatedPredictions(
  records: readonly DevRecord[],
  folds = FOLDS,
  sources?: SourceBuildFiles,
  options: RuleDatabaseOptions = {},
  resolveOptions: ResolveOptions = {},
): Record<string, string[]> {
  const predictions: Record<string, string[]> = {};
  for (let fold = 0; fold < folds; fold++) {
    const heldOut = records.filter((record) => foldOf(record.package, folds) === fold);
    Object.assign(
      predictions,
      predict(rulesWithout(new Set(heldOut.map((record) => record.package)), DEFAULT_RULES_DIR, options), heldOut, sources, resolveOptions),
    );
  }
  return predictions;
}
