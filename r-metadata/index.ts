/**
 * The public entry of `r-metadata/`: what rfarm knows about R packages' metadata, pure functions and
 * data with no I/O (the source-tarball walker reads bytes in memory), read by the control plane, the
 * agent and sysreqs alike.
 */
export { DescriptionError } from './description-error.ts';
export { parseDcf, parseDcfRecord, type DcfRecord } from './dcf.ts';
export { decodeDescription, type DecodeOptions } from './description-encoding.ts';
export { parseDependencyField, dependencyNames, type Dependency, type VersionConstraint } from './dependency-field.ts';
export { compareRVersions, satisfiesConstraint } from './r-version.ts';
export { BASE_PACKAGES, RECOMMENDED_PACKAGES, providedByR } from './standard-packages.ts';
export { ONE_SHOT_INFLATE_BYTES, readEntry, skipEntry, walkSourceTarball, type TarEntryBody, type TarWalk } from './source-tarball.ts';
