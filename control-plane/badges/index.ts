/** The public entry of `control-plane/badges/`: SVG badges of check results and repository versions. */
export { checkBadge, versionBadge } from './badge-svg.ts';
export { LatestResults, type LatestResult } from './latest-results.ts';
export { LatestResultsWatcher } from './latest-results-watcher.ts';
export { newestVersion, compareRVersions } from './repository-versions.ts';
