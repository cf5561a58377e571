/**
 * Regenerates a tree's index with R's own `tools::write_PACKAGES`, over a local mirror of the tree
 * (files missing locally are fetched from storage, files gone from storage are dropped), then hands
 * the three index files to storage to be swapped in at once.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INDEX_NAMES, type IndexName, type PackageType } from './repository-layout.ts';
import type { IndexFiles, RepositoryStorage } from './repository-storage.ts';

const run = promisify(execFile);

const WRITE_PACKAGES = 'args <- commandArgs(TRUE); tools::write_PACKAGES(args[1], type = args[2], rds_compress = "xz")';

/** Raised when R could not index a tree. */
export class IndexingFailed extends Error {
  override name = 'IndexingFailed';
}

export class PackageIndexer {
  constructor(
    private readonly storage: RepositoryStorage,
    /** A directory of this host for the mirror. */
    private readonly mirrorDir: string,
    /** The Rscript to run. */
    private readonly rscript = 'Rscript',
  ) {}

  /** Rebuilds and replaces the index of `tree`; call it holding the repository lock. */
  async regenerate(tree: string, type: PackageType): Promise<void> {
    const dir = join(this.mirrorDir, tree);
    await mkdir(dir, { recursive: true });
    const stored = new Set(await this.storage.listFiles(tree));
    const local = new Set(await readdir(dir));
    for (const name of local) if (!stored.has(name)) await rm(join(dir, name), { force: true });
    for (const name of stored) {
      if (local.has(name)) continue;
      const data = await this.storage.readFile(`${tree}/${name}`);
      if (data) await writeFile(join(dir, name), data);
    }
    try {
      await run(this.rscript, ['-e', WRITE_PACKAGES, dir, type], { timeout: 300_000 });
    } catch (error) {
      throw new IndexingFailed(`tools::write_PACKAGES failed for ${tree}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, {
        cause: error,
      });
    }
    const files = {} as Record<IndexName, Uint8Array>;
    for (const name of INDEX_NAMES) files[name] = await readFile(join(dir, name));
    await this.storage.replaceIndex(tree, files as IndexFiles);
  }
}
