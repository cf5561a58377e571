/** The public entry of the agent's dependency step: the shared cache and the install step before a check. */
export { cacheMount, dependencyCacheFor, rMinorVersion, type DependencyCache } from './dependency-cache.ts';
export { DependencyInstaller, type DependencyOutcome, type DependencyRequest } from './dependency-installer.ts';
export { dependencyFields, forcesSuggests } from './suggests-policy.ts';
