/** Checks on uploaded source packages: the public entry of `control-plane/uploads/`. */
export { inspectPackageArchive, type ArchiveLimits, type PackageArchive } from './package-archive.ts';
export { uploadLimits } from './upload-limits.ts';
