/**
 * Where the repository's bytes live, behind one interface: the NATS object store locally
 * (object-store-storage.ts), a storage bucket in the cloud (not written yet: see
 * README.md, "R dependencies and the farm's own repository"). Package files are written once and never replaced; a
 * tree's index files are replaced together, so a reader sees the old set or the new, never a mix
 * or a part.
 */
import type { IndexName } from './repository-layout.ts';

/** A tree's index files, as `tools::write_PACKAGES` wrote them. */
export type IndexFiles = Readonly<Record<IndexName, Uint8Array>>;

export interface RepositoryStorage {
  /** Stores a package file at `path`; false (and nothing written) when a file is already there. */
  addFile(path: string, data: Uint8Array): Promise<boolean>;
  /** A package file, or null. */
  readFile(path: string): Promise<Uint8Array | null>;
  /** Names (not paths) of the package files directly in `tree`. */
  listFiles(tree: string): Promise<string[]>;
  /** Replaces the index of `tree` at once. */
  replaceIndex(tree: string, files: IndexFiles): Promise<void>;
  /** One index file of `tree` as last replaced, or null when the tree has no index yet. */
  readIndex(tree: string, name: IndexName): Promise<Uint8Array | null>;
}
