/** The public entry of the control plane's repository: the farm's CRAN-like repository under /repo/. */
export { FarmRepository, type FarmRepositoryOptions } from './farm-repository.ts';
export type { PublicationRecord } from './build-publisher.ts';
export type { RepositoryFile } from './repository-reader.ts';
export { INDEX_NAMES, binaryPlace, binaryTree, readRepositoryPath, sourcePlace, type BinaryPlatform } from './repository-layout.ts';
export type { RepositoryStorage, IndexFiles } from './repository-storage.ts';
