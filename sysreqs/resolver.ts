/**
 * The resolver: from R package records to what one platform must install, each with its reason.
 * Pure: no I/O; the rule database and repository index are passed in.
 */
import type { PackageRecord } from './description.ts';
import { recipeFor, type Evidence, type Rule, type RuleDatabase } from './rule-database.ts';
import type { SysreqsPlatform } from './platforms.ts';
import { findInBuildFiles, type BuildFileNameKind } from './build-files.ts';
import type { ContentsIndexUse, DebianFileIndex } from './debian-files.ts';
import { splitRequirements, type RequirementItem } from './requirement-text.ts';

/** Where a rule matched: the SystemRequirements text, the package's name, a LinkingTo entry, or the package's build files. */
export type MatchSource = 'SystemRequirements' | 'package name' | 'LinkingTo' | 'build files' | 'source code';

/** A rule one R package needs, platform-independent. */
export interface Need {
  readonly package: string;
  readonly rule: Rule;
  readonly on: MatchSource;
  /** The text the rule matched: a SystemRequirements item, the package name, the LinkingTo name, or `file:line: text`. */
  readonly text: string;
  readonly reason: string;
  /** The item said "optional": reported, installed only when asked. */
  readonly optional: boolean;
  /** Another matched rule whose OS packages already pull this one in. */
  readonly coveredBy?: string;
}

/** Text or a dependency the resolver could not turn into requirements. */
export interface Unmatched {
  /** The R package whose DESCRIPTION holds the text. */
  readonly package: string;
  /** `SystemRequirements`, or the dependency field of a package missing from the index. */
  readonly field: string;
  readonly text: string;
  readonly reason: string;
}

/** One matched requirement on one platform: the wire shape of `matched[]`. */
export interface MatchedRequirement {
  readonly package: string;
  readonly rule: string;
  readonly on: MatchSource;
  readonly text: string;
  readonly reason: string;
  readonly packages: readonly string[];
  readonly pre_install: readonly string[];
  readonly post_install: readonly string[];
  readonly provided_by?: string;
  readonly note?: string;
  readonly covered_by?: string;
}

/** What a platform must do for a set of R packages: the wire shape of `POST /resolve`. */
export interface Resolution {
  readonly platform: string;
  readonly packages: readonly string[];
  readonly pre_install: readonly string[];
  readonly install_scripts: readonly string[];
  readonly post_install: readonly string[];
  readonly matched: readonly MatchedRequirement[];
  /** Requirements the text marks optional; their packages are included only with `optional: true`. */
  readonly optional: readonly MatchedRequirement[];
  readonly unmatched: readonly Unmatched[];
}

/** Options of `resolve`. */
export interface ResolveOptions {
  /** Install what optional items need too. */
  readonly optional?: boolean;
  /**
   * What the platform's package contents index is used for: `true` all, `false` nothing, or each part
   * (the others off). Default: the database's `contentsIndexUse` (DEFAULT_CONTENTS_INDEX_USE unless the service sets it).
   */
  readonly contentsIndex?: boolean | Partial<ContentsIndexUse>;
}

const ALL_USES: ContentsIndexUse = { words: true, buildFiles: true, includes: true, closure: true };
const NO_USE: ContentsIndexUse = { words: false, buildFiles: false, includes: false, closure: false };

/** The use asked for; the database's (the service's setting) when the caller says nothing. */
function contentsIndexUse(option: ResolveOptions['contentsIndex'], db: RuleDatabase): ContentsIndexUse {
  if (option === undefined) return db.contentsIndexUse;
  if (typeof option === 'boolean') return option ? ALL_USES : NO_USE;
  return { ...NO_USE, ...option };
}

function patternThatMatches(rule: Rule, text: string): RegExp | undefined {
  return rule.patterns.find((pattern) => pattern.test(text));
}

function explain(entry: Evidence): string {
  return `${entry.why} (${entry.evidence}; read from ${entry.readFrom})`;
}

/** Rules whose patterns match a text, each with the pattern that matched. */
function rulesMatching(db: RuleDatabase, text: string): Array<{ rule: Rule; pattern: RegExp }> {
  return db.rules.flatMap((rule) => {
    const pattern = patternThatMatches(rule, text);
    return pattern ? [{ rule, pattern }] : [];
  });
}

/**
 * The rules a SystemRequirements item asks for: those matching its requirement phrase; of "or"
 * alternatives, only the first that names something to install ("Windows or X11" → X11).
 */
function itemNeeds(db: RuleDatabase, record: PackageRecord, item: RequirementItem): Need[] {
  const perAlternative = item.alternatives.map((text) => rulesMatching(db, text));
  const chosen =
    perAlternative.length > 1
      ? (perAlternative.find((hits) => hits.some(({ rule }) => !rule.noteOnly)) ?? perAlternative.find((hits) => hits.length > 0) ?? [])
      : (perAlternative[0] ?? []);
  const among = perAlternative.length > 1 ? `; the first installable of ${perAlternative.length} alternatives` : '';
  const phrase = chosen.map(({ rule, pattern }) => ({ rule, reason: `matches /${pattern.source}/i${among}` }));
  // Spelled-out package names count wherever they stand; of alternatives, only the chosen one's.
  const named =
    perAlternative.length > 1
      ? []
      : item.packageNames.flatMap((name) =>
          rulesMatching(db, name).map(({ rule, pattern }) => ({ rule, reason: `names the package ${name}, matching /${pattern.source}/i` })),
        );
  return [...phrase, ...named].map(({ rule, reason }) => ({
    package: record.name,
    rule,
    on: 'SystemRequirements' as const,
    text: item.text,
    reason,
    optional: item.optional,
  }));
}

/**
 * A rule made for one OS package a platform's package contents index named (no rule file knows the
 * name): installs that package on that platform only.
 */
function contentsRule(files: DebianFileIndex, osPackage: string): Rule {
  return {
    name: `${files.platform}:${osPackage}`,
    description: `${osPackage}, found in ${files.platform}'s package contents index`,
    patterns: [],
    packages: {},
    linkingTo: {},
    sourceNames: { libraries: [], pkgConfig: [], tools: [], headers: [] },
    implies: [],
    noteOnly: false,
    install: { [files.platform]: { packages: [osPackage], preInstall: [], postInstall: [] } },
  };
}

/** The contents-index rule of a name of a kind, if the index knows it. */
function contentsRuleOf(files: DebianFileIndex, kind: BuildFileNameKind, name: string): Rule | undefined {
  const osPackage = files.lookup(kind, name);
  return osPackage ? contentsRule(files, osPackage) : undefined;
}

const WORD = /[A-Za-z][A-Za-z0-9+._-]*[A-Za-z0-9+]/g;
/** An item addressed to another system: "Fedora/CentOS: …", "MacOS Homebrew: …", "Solaris 10 needs …". */
const OTHER_SYSTEM_LABEL =
  /^(?:[\w ]*\b(?:fedora|centos|rhel|red ?hat|opensuse|suse|mac ?os|os ?x|homebrew|brew|solaris|windows|arch|alpine|conda)\b[\w/ ]*:|solaris\b)/i;
const QUALIFIER = /^(?:with|including|includes|for|via|using|built with|compiled with)\b/i;

/**
 * When no rule matches an item: the words of its requirement phrase (first alternative that names
 * anything) that the package contents index knows as a library or pkg-config module ("GNU GSL" → gsl).
 */
function itemNeedsFromContents(files: DebianFileIndex, record: PackageRecord, item: RequirementItem): Need[] {
  // "with at least libx264 and lame drivers" qualifies the item before it (FFmpeg), it asks for nothing itself;
  // "Fedora/CentOS: ffmpeg-devel" tells another system what to install.
  if (QUALIFIER.test(item.text) || OTHER_SYSTEM_LABEL.test(item.text)) return [];
  const need = (osPackage: string, reason: string): Need => ({
    package: record.name,
    rule: contentsRule(files, osPackage),
    on: 'SystemRequirements' as const,
    text: item.text,
    reason,
    optional: item.optional,
  });
  // A Debian -dev package the text spells out and the archive has ("Debian/Ubuntu: libavfilter-dev").
  const spelled = item.alternatives.length > 1 ? [] : item.packageNames.filter((name) => /-dev$/.test(name) && files.hasDevPackage(name));
  if (spelled.length > 0) return spelled.map((name) => need(name, `names the package ${name}, which ${files.platform} has`));
  for (const alternative of item.alternatives) {
    // Words followed by another packaging system's marker name that system's package: "libcurl-devel (rpm)".
    const text = alternative.replace(/\S+\s*\((?:rpm|brew|csw|homebrew|fedora|macos|conda)[^)]*\)/gi, ' ');
    const hits = (text.match(WORD) ?? []).flatMap((word) => {
      const osPackage = files.lookupWord(word.replace(/[.-]+$/, ''));
      return osPackage ? [{ word, osPackage }] : [];
    });
    if (hits.length > 0)
      return hits.map(({ word, osPackage }) => need(osPackage, `'${word}' is a library ${osPackage} ships (${files.platform} package contents)`));
  }
  return [];
}

/**
 * The rules one package needs, and the SystemRequirements items no rule understands. With a
 * platform's package contents index, names no rule knows (in the text or the build files) are
 * looked up there.
 */
export function needsOf(
  db: RuleDatabase,
  record: PackageRecord,
  files?: DebianFileIndex,
  use: ContentsIndexUse = db.contentsIndexUse,
): { needs: Need[]; unmatched: Unmatched[] } {
  const found: Need[] = [];
  const unmatched: Unmatched[] = [];
  for (const item of splitRequirements(record.systemRequirements, record.name)) {
    const ruled = itemNeeds(db, record, item);
    const needs = ruled.length > 0 || !files || !use.words ? ruled : itemNeedsFromContents(files, record, item);
    if (needs.length === 0) unmatched.push({ package: record.name, field: 'SystemRequirements', text: item.text, reason: 'no rule matches this text' });
    found.push(...needs);
  }
  for (const rule of db.byPackage.get(record.name) ?? []) {
    found.push({ package: record.name, rule, on: 'package name', text: record.name, reason: explain(rule.packages[record.name]), optional: false });
  }
  for (const linked of record.linkingTo) {
    for (const rule of db.byLinkingTo.get(linked) ?? []) {
      found.push({ package: record.name, rule, on: 'LinkingTo', text: linked, reason: explain(rule.linkingTo[linked]), optional: false });
    }
  }
  const fallback = files && use.buildFiles ? (kind: BuildFileNameKind, name: string) => contentsRuleOf(files, kind, name) : undefined;
  for (const finding of record.buildFiles ? findInBuildFiles(db.bySourceName, record.buildFiles, fallback) : []) {
    const where = finding.rule.patterns.length === 0 && finding.rule.name.includes(':') ? ` (${files?.platform} package contents)` : '';
    found.push({
      package: record.name,
      rule: finding.rule,
      on: 'build files',
      text: `${finding.file}:${finding.line}: ${finding.text}`,
      reason: `names the ${finding.kind} '${finding.name}'${where}${finding.optional ? '; an autoconf check the script goes on without (optional)' : ''}`,
      optional: finding.optional,
    });
  }
  for (const include of record.includes ?? []) {
    // A header a LinkingTo package may provide (BH's boost/, sf's sf.h) is not the system's to give.
    const linked = files ? record.linkingTo.some((name) => files.linkingToMayProvide(name, include.header)) : false;
    const rule =
      db.bySourceName.headers.get(include.header) ?? (linked || !files || !use.includes ? undefined : contentsRuleOf(files, 'header', include.header));
    if (rule)
      found.push({
        package: record.name,
        rule,
        on: 'source code',
        text: `${include.file}:${include.line}: #include ${include.quoted ? `"${include.header}"` : `<${include.header}>`}`,
        reason: `includes the header '${include.header}', which the package does not ship${rule.patterns.length === 0 && rule.name.includes(':') ? ` (${files?.platform} package contents)` : ''}`,
        optional: false,
      });
  }
  return { needs: markCovered(db, dedupe(found)), unmatched };
}

/** One need per rule: the first required one, else the first optional one. */
function dedupe(found: Need[]): Need[] {
  const byRule = new Map<string, Need>();
  for (const need of found) {
    const seen = byRule.get(need.rule.name);
    if (!seen || (seen.optional && !need.optional)) byRule.set(need.rule.name, need);
  }
  return [...byRule.values()];
}

/** Every rule a rule's OS packages bring, following `implies` transitively. */
function impliedBy(db: RuleDatabase, rule: Rule): Set<string> {
  const implied = new Set<string>();
  const queue = [...rule.implies];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (implied.has(name) || name === rule.name) continue;
    implied.add(name);
    queue.push(...(db.byName.get(name)?.implies ?? []));
  }
  return implied;
}

/**
 * A need is covered when another required need's rule already brings it (libcairo2-dev depends on
 * libfreetype-dev), however the need was found: installing it again adds nothing.
 */
function markCovered(db: RuleDatabase, needs: Need[]): Need[] {
  const required = needs.filter((need) => !need.optional);
  return needs.map((need) => {
    const by = required.find(
      (other) => other.rule !== need.rule && impliedBy(db, other.rule).has(need.rule.name) && !impliedBy(db, need.rule).has(other.rule.name),
    );
    return by ? { ...need, coveredBy: by.rule.name } : need;
  });
}

/** A need on one platform. */
export function toMatched(need: Need, platform: SysreqsPlatform): MatchedRequirement {
  const recipe = recipeFor(need.rule, platform);
  const base = { package: need.package, rule: need.rule.name, on: need.on, text: need.text, reason: need.reason };
  if (!recipe) return { ...base, packages: [], pre_install: [], post_install: [], note: `rule '${need.rule.name}' has no recipe for ${platform.id}` };
  return {
    ...base,
    packages: recipe.packages,
    pre_install: recipe.preInstall,
    post_install: recipe.postInstall,
    ...(recipe.providedBy ? { provided_by: recipe.providedBy } : {}),
    ...(recipe.note ? { note: recipe.note } : {}),
    ...(need.coveredBy ? { covered_by: need.coveredBy } : {}),
  };
}

/** The commands that install OS packages on a platform. */
export function installScripts(platform: SysreqsPlatform, packages: readonly string[]): string[] {
  if (packages.length === 0) return [];
  if (platform.onePackagePerCommand) return packages.map((name) => `${platform.installCommand} ${name}`);
  return [`${platform.installCommand} ${packages.join(' ')}`];
}

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

/** Resolves package records (a package and, if the caller collected them, its dependencies) for a platform. */
export function resolve(
  db: RuleDatabase,
  platform: SysreqsPlatform,
  records: readonly PackageRecord[],
  options: ResolveOptions = {},
  extraUnmatched: readonly Unmatched[] = [],
): Resolution {
  const matched: MatchedRequirement[] = [];
  const optional: MatchedRequirement[] = [];
  const unmatched: Unmatched[] = [...extraUnmatched];
  const use = contentsIndexUse(options.contentsIndex, db);
  const index = db.fileIndexFor(platform.id);
  for (const record of records) {
    const result = needsOf(db, record, index, use);
    unmatched.push(...result.unmatched);
    for (const need of result.needs) (need.optional && !options.optional ? optional : matched).push(toMatched(need, platform));
  }
  const files = index;
  const broughtBy = (osPackage: string, among: readonly string[]) =>
    files ? among.find((other) => other !== osPackage && files.brings(other).has(osPackage) && !files.brings(osPackage).has(other)) : undefined;
  // An answer another answered package's dependencies already bring (libudunits2-dev brings libexpat1-dev) is not listed again:
  // always for what only the contents index found (weaker evidence, adding nothing: <jpeglib.h> → libjpeg62-turbo-dev beside
  // the rule's libjpeg-dev), for what a rule found only with the closure on. A contents find never stands in for a rule find.
  const fromContents = (entry: MatchedRequirement) => entry.rule.startsWith(`${platform.id}:`);
  const answered = (byContents: boolean) =>
    unique(matched.filter((entry) => !entry.covered_by && (byContents || !fromContents(entry))).flatMap((entry) => entry.packages));
  for (const [index, entry] of matched.entries()) {
    if (!use.closure && !fromContents(entry)) continue;
    const among = answered(fromContents(entry));
    const by = entry.packages.length > 0 && !entry.covered_by ? entry.packages.map((osPackage) => broughtBy(osPackage, among)) : [];
    if (by.length > 0 && by.every(Boolean)) matched[index] = { ...entry, covered_by: `${platform.id}:${by[0]}` };
  }
  const installing = matched.filter((entry) => !entry.covered_by);
  const packages = unique(installing.flatMap((entry) => entry.packages));
  return {
    platform: platform.id,
    packages,
    pre_install: unique(installing.flatMap((entry) => entry.pre_install)),
    install_scripts: installScripts(platform, packages),
    post_install: unique(installing.flatMap((entry) => entry.post_install)),
    matched,
    optional,
    unmatched,
  };
}
