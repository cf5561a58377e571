/**
 * How well the generic text mapping (the contents index's words: Debian's lib<name>-dev naming,
 * pkg-config module and linker names, spelled -dev packages) stands in for the rule files: for each
 * SystemRequirements item of the development set that a rule answers with a -dev package, the item is
 * resolved again without that rule. A library no rule file knows is then answered only by the
 * generic mapping; this says how often it gives the rule's package.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_RULES_DIR, buildRuleDatabase, resolve, resolvePlatform, ruleFiles, splitRequirements, type RuleDatabase } from '../../sysreqs/index.ts';
import type { DevRecord } from './dev-set.ts';

/** Items answered by a rule, and what the generic mapping gives without it. */
export interface AblationResult {
  readonly items: number;
  /** The rule's -dev package again. */
  readonly same: number;
  /** A -dev package the rule did not name. */
  readonly other: number;
  readonly nothing: number;
}

type RuleDocument = { name: string; implies?: string[] } & Record<string, unknown>;

/** Leave-one-rule-out over the development set's SystemRequirements items (Debian 12, optional items included). */
export function textMappingWithoutEachRule(records: readonly DevRecord[], dir = DEFAULT_RULES_DIR): AblationResult {
  const documents = ruleFiles(dir).map((file) => ({ file, document: parseYaml(readFileSync(file, 'utf8')) as RuleDocument }));
  const full = buildRuleDatabase(documents);
  const platform = resolvePlatform('debian-12');
  const without = new Map<string, RuleDatabase>();
  const databaseWithout = (name: string): RuleDatabase => {
    let db = without.get(name);
    if (!db) {
      db = buildRuleDatabase(
        documents
          .filter(({ document }) => document.name !== name)
          .map(({ file, document }) => ({ file, document: { ...document, implies: (document.implies ?? []).filter((implied) => implied !== name) } })),
      );
      without.set(name, db);
    }
    return db;
  };
  const result = { items: 0, same: 0, other: 0, nothing: 0 };
  const seen = new Set<string>();
  for (const record of records) {
    for (const item of splitRequirements(record.systemRequirements, record.package)) {
      const alone = { name: record.package, systemRequirements: item.text, depends: [], imports: [], linkingTo: [], suggests: [] };
      const answer = resolve(full, platform, [alone], { optional: true });
      for (const entry of answer.matched.filter((matched) => matched.on === 'SystemRequirements')) {
        const wanted = entry.packages.filter((name) => name.endsWith('-dev'));
        if (wanted.length === 0 || seen.has(`${entry.rule}|${item.text}`)) continue;
        seen.add(`${entry.rule}|${item.text}`);
        result.items++;
        const again = resolve(databaseWithout(entry.rule), platform, [alone], { optional: true })
          .matched.filter((matched) => matched.on === 'SystemRequirements')
          .flatMap((matched) => matched.packages);
        if (wanted.some((name) => again.includes(name))) result.same++;
        else if (again.some((name) => name.endsWith('-dev') && !answer.packages.includes(name))) result.other++;
        else result.nothing++;
      }
    }
  }
  return result;
}
