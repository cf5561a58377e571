/**
 * The public entry of `sysreqs/`: the service (`createApp`, `startSysreqsServer`), the pure resolver
 * and its types, the platforms it knows, and the rule database loader. Other units import only this.
 */
export { createApp, type SysreqsDeps } from './app.ts';
export { startSysreqsServer, type SysreqsServer, type SysreqsServerOptions } from './server.ts';
export { loadConfig, DEFAULT_RULES_DIR, type SysreqsConfig } from './config.ts';
export { createMetrics, type SysreqsMetrics } from './metrics.ts';
export { SysreqsError, type SysreqsErrorCode } from './errors.ts';
export { parseDescription, type PackageRecord } from './description.ts';
export { splitRequirements, requirementPhrase, alternativesOf, type RequirementItem } from './requirement-text.ts';
export { findInBuildFiles, BUILD_FILE_PATHS, type BuildFiles, type BuildFileFinding, type BuildFileNameKind } from './build-files.ts';
export {
  loadRuleDatabase,
  buildRuleDatabase,
  recipeFor,
  ruleFiles,
  RULE_SCHEMA,
  type Rule,
  type RuleDatabase,
  type Recipe,
  type Evidence,
  type SourceNames,
  type SourceNameIndex,
  type RuleDatabaseOptions,
} from './rule-database.ts';
export {
  resolve,
  needsOf,
  installScripts,
  type Resolution,
  type MatchedRequirement,
  type Unmatched,
  type Need,
  type MatchSource,
  type ResolveOptions,
} from './resolver.ts';
export { loadRepositoryIndex, parsePackagesIndex, dependencyClosure, type RepositoryIndex } from './repository-index.ts';
export {
  SYSREQS_PLATFORMS,
  resolvePlatform,
  findSysreqsPlatform,
  knownPlatformNames,
  cataloguePlatformsOf,
  type SysreqsPlatform,
  type PlatformFamily,
} from './platforms.ts';
export { parseResolveRequest, type ResolveRequest } from './routes/resolve.ts';
export { readSourceArchive, type SourceArchive } from './source-archive.ts';
export { generatedHeader, includesOf, reachedIncludes, unshippedIncludes, type SourceInclude } from './source-includes.ts';
export {
  loadDebianFileIndex,
  debianFileIndex,
  parseContentsIndexUse,
  DEBIAN_FILES_DIR,
  DEFAULT_CONTENTS_INDEX_USE,
  type ContentsIndexUse,
  type DebianFileIndex,
  type DebianFileIndexData,
} from './debian-files.ts';
