/**
 * The public entry of `control-plane/revdeps/`: reverse-dependency checks (`revdeps=true`) —
 * finding reverse dependencies in PACKAGES indices, checking each against the published and the
 * submitted version, comparing the two checks, and the CRAN pre-submission summary. README.md,
 * "Reverse-dependency checks".
 */
export {
  DEPENDENCY_FIELDS,
  newestListedVersion,
  REVDEP_SCOPES,
  reverseDependencies,
  unmetRequirement,
  type DependencyField,
  type ReverseDependency,
  type RevdepScope,
  type UnmetRequirement,
} from './reverse-dependencies.ts';
export { diffFindings, normaliseFinding, type FindingsDiff, type RevdepVerdict } from './findings-diff.ts';
export { cranSummary, cranSummaryUrl, revdepResult, type CranSummary, type RevdepReport, type RevdepResult } from './cran-summary.ts';
export { RevdepChecks, type RevdepChecksDeps } from './revdep-checks.ts';
export { pairJobId, MAX_REVERSE_DEPENDENCIES } from './revdep-runner.ts';
export { type RevdepPair, type RevdepRun, type RevdepRunState } from './revdep-runs.ts';
