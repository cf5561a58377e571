/**
 * The public entry of `control-plane/revdeps/`: the pure parts of reverse-dependency checks
 * (finding reverse dependencies, comparing two checks). The submission option, the paired builds
 * and the report are not built yet: README.md, "Reverse-dependency checks".
 */
export { DEPENDENCY_FIELDS, reverseDependencies, type DependencyField, type ReverseDependency } from './reverse-dependencies.ts';
export { diffFindings, normaliseFinding, type FindingsDiff, type RevdepVerdict } from './findings-diff.ts';
