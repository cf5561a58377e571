/**
 * The rules database: reads every `rules/*.yaml`, validates it against `rule-schema.json` and
 * compiles its patterns. Loading does I/O; the returned database is plain frozen data that the
 * pure resolver works on.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CONTENTS_INDEX_USE, loadDebianFileIndex, type ContentsIndexUse, type DebianFileIndex } from './debian-files.ts';
import { invalidRuleFile } from './errors.ts';
import type { SysreqsPlatform } from './platforms.ts';

/** What one platform installs for a rule (the normalised form of a rule file's `install` entry). */
export interface Recipe {
  readonly packages: readonly string[];
  readonly preInstall: readonly string[];
  readonly postInstall: readonly string[];
  /** Set when nothing needs installing because something already provides it. */
  readonly providedBy?: string;
  readonly note?: string;
}

/** Why an R package needs a rule, and the line of its source that shows it. */
export interface Evidence {
  readonly why: string;
  /** `<file>: <line>`, e.g. `configure: PKG_CONFIG_NAME="libxml-2.0"`. */
  readonly evidence: string;
  /** The source the line was read from, with its version. */
  readonly readFrom: string;
}

/** How a package's build files (configure, src/Makevars*) name a rule's requirement. */
export interface SourceNames {
  /** Linker names: `xml2` for `-lxml2`. */
  readonly libraries: readonly string[];
  /** pkg-config module names. */
  readonly pkgConfig: readonly string[];
  /** Configuration tools such as `xml2-config`. */
  readonly tools: readonly string[];
  /** Headers configure checks for, such as `GL/glu.h`. */
  readonly headers: readonly string[];
}

/** One compiled rule. */
export interface Rule {
  readonly name: string;
  readonly description: string;
  readonly patterns: readonly RegExp[];
  /** R package → why it needs this rule, with evidence. */
  readonly packages: Readonly<Record<string, Evidence>>;
  /** R package in LinkingTo → why linking to it needs this rule, with evidence. */
  readonly linkingTo: Readonly<Record<string, Evidence>>;
  readonly sourceNames: SourceNames;
  readonly implies: readonly string[];
  readonly noteOnly: boolean;
  /** Raw `install` entries by key (platform id, family or group). */
  readonly install: Readonly<Record<string, Recipe>>;
}

/** Every rule, with indexes by R package name. */
export interface RuleDatabase {
  readonly rules: readonly Rule[];
  readonly byName: ReadonlyMap<string, Rule>;
  /** R package → rules naming it in `packages`. */
  readonly byPackage: ReadonlyMap<string, readonly Rule[]>;
  /** R package → rules naming it in `linking_to`. */
  readonly byLinkingTo: ReadonlyMap<string, readonly Rule[]>;
  /** Rules by the names build files use for them. */
  readonly bySourceName: SourceNameIndex;
  /** The package contents index of a platform (`debian-12`) for names no rule knows; undefined when there is none. */
  readonly fileIndexFor: (platform: string) => DebianFileIndex | undefined;
  /** What the resolver uses the contents index for when a caller does not say. */
  readonly contentsIndexUse: ContentsIndexUse;
}

/** Options of `buildRuleDatabase`. */
export interface RuleDatabaseOptions {
  /** Package contents indexes by platform id; `false` for none. Default: the generated ones (sysreqs/debian-files/). */
  readonly fileIndexes?: false | ((platform: string) => DebianFileIndex | undefined);
  /** What the resolver uses them for by default (DEFAULT_CONTENTS_INDEX_USE). */
  readonly contentsIndexUse?: ContentsIndexUse;
}

/** Loads each platform's generated contents index once, on first use. */
function generatedFileIndexes(): (platform: string) => DebianFileIndex | undefined {
  const loaded = new Map<string, DebianFileIndex | undefined>();
  return (platform) => {
    if (!loaded.has(platform)) loaded.set(platform, loadDebianFileIndex(platform));
    return loaded.get(platform);
  };
}

/** Rules by the names a package's build files use (the rules' `source_names`); the first rule naming a name keeps it. */
export interface SourceNameIndex {
  readonly libraries: ReadonlyMap<string, Rule>;
  readonly pkgConfig: ReadonlyMap<string, Rule>;
  readonly tools: ReadonlyMap<string, Rule>;
  readonly headers: ReadonlyMap<string, Rule>;
}

function sourceNameIndex(rules: readonly Rule[]): SourceNameIndex {
  const index = { libraries: new Map<string, Rule>(), pkgConfig: new Map<string, Rule>(), tools: new Map<string, Rule>(), headers: new Map<string, Rule>() };
  for (const rule of rules) {
    for (const key of ['libraries', 'pkgConfig', 'tools', 'headers'] as const) {
      for (const name of rule.sourceNames[key]) if (!index[key].has(name)) index[key].set(name, rule);
    }
  }
  return index;
}

/** The JSON Schema rule files follow. */
export const RULE_SCHEMA: object = JSON.parse(readFileSync(new URL('./rule-schema.json', import.meta.url), 'utf8'));

interface RawEvidence {
  why: string;
  evidence: string;
  read_from: string;
}
type RawRecipe = string[] | { packages?: string[]; pre_install?: string[]; post_install?: string[]; provided_by?: string; note?: string };
interface RawRule {
  name: string;
  description: string;
  patterns: string[];
  packages?: Record<string, RawEvidence>;
  linking_to?: Record<string, RawEvidence>;
  source_names?: { libraries?: string[]; pkg_config?: string[]; tools?: string[]; headers?: string[] };
  implies?: string[];
  note_only?: boolean;
  install: Record<string, RawRecipe>;
}

function toRecipe(raw: RawRecipe): Recipe {
  if (Array.isArray(raw)) return { packages: raw, preInstall: [], postInstall: [] };
  return { packages: raw.packages ?? [], preInstall: raw.pre_install ?? [], postInstall: raw.post_install ?? [], providedBy: raw.provided_by, note: raw.note };
}

function toEvidence(raw: Record<string, RawEvidence> | undefined): Record<string, Evidence> {
  return Object.fromEntries(Object.entries(raw ?? {}).map(([name, entry]) => [name, { why: entry.why, evidence: entry.evidence, readFrom: entry.read_from }]));
}

function indexBy(rules: Rule[], key: 'packages' | 'linkingTo'): Map<string, Rule[]> {
  const index = new Map<string, Rule[]>();
  for (const rule of rules) for (const name of Object.keys(rule[key])) index.set(name, [...(index.get(name) ?? []), rule]);
  return index;
}

/** Builds a database from already-parsed rule documents (validated against the schema). */
export function buildRuleDatabase(documents: ReadonlyArray<{ file: string; document: unknown }>, options: RuleDatabaseOptions = {}): RuleDatabase {
  const validate = new Ajv({ allErrors: true }).compile(RULE_SCHEMA);
  const rules = documents.map(({ file, document }) => {
    if (!validate(document)) throw invalidRuleFile(file, (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; '));
    const raw = document as RawRule;
    if (basename(file).replace(/\.ya?ml$/, '') !== raw.name) throw invalidRuleFile(file, `name '${raw.name}' differs from the file name`);
    const patterns = raw.patterns.map((source) => {
      try {
        return new RegExp(source, 'i');
      } catch (cause) {
        throw invalidRuleFile(file, `pattern ${source} does not compile: ${(cause as Error).message}`);
      }
    });
    const install = Object.fromEntries(Object.entries(raw.install).map(([key, recipe]) => [key, toRecipe(recipe)]));
    const names = raw.source_names ?? {};
    return Object.freeze({
      name: raw.name,
      description: raw.description,
      patterns,
      packages: toEvidence(raw.packages),
      linkingTo: toEvidence(raw.linking_to),
      sourceNames: { libraries: names.libraries ?? [], pkgConfig: names.pkg_config ?? [], tools: names.tools ?? [], headers: names.headers ?? [] },
      implies: raw.implies ?? [],
      noteOnly: raw.note_only ?? false,
      install,
    });
  });
  const byName = new Map(rules.map((rule) => [rule.name, rule]));
  for (const rule of rules)
    for (const implied of rule.implies) if (!byName.has(implied)) throw invalidRuleFile(`${rule.name}.yaml`, `implies unknown rule '${implied}'`);
  const fileIndexFor = options.fileIndexes === false ? () => undefined : (options.fileIndexes ?? generatedFileIndexes());
  return Object.freeze({
    rules,
    byName,
    byPackage: indexBy(rules, 'packages'),
    byLinkingTo: indexBy(rules, 'linkingTo'),
    bySourceName: sourceNameIndex(rules),
    fileIndexFor,
    contentsIndexUse: options.contentsIndexUse ?? DEFAULT_CONTENTS_INDEX_USE,
  });
}

/** Paths of the rule files in a folder. */
export function ruleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Reads, validates and compiles every rule file in `dir`. */
export function loadRuleDatabase(dir: string, options: RuleDatabaseOptions = {}): RuleDatabase {
  return buildRuleDatabase(
    ruleFiles(dir).map((file) => ({ file, document: parseYaml(readFileSync(file, 'utf8')) })),
    options,
  );
}

/** The recipe of a rule for a platform: platform id first, then family, then group; undefined when none. */
export function recipeFor(rule: Rule, platform: SysreqsPlatform): Recipe | undefined {
  return rule.install[platform.id] ?? rule.install[platform.family] ?? (platform.group ? rule.install[platform.group] : undefined);
}
