/**
 * What `GET /repo/...` answers: package files as stored, indices as last replaced. A tree nobody
 * has published into yet still answers with an empty index, so R finds an empty repository rather
 * than a broken one (R falls back from the missing PACKAGES.rds to PACKAGES.gz by itself).
 */
import { gzipSync } from 'node:zlib';
import { contentTypeOf, readRepositoryPath } from './repository-layout.ts';
import type { RepositoryStorage } from './repository-storage.ts';

/** A file to send. */
export interface RepositoryFile {
  readonly data: Uint8Array;
  readonly contentType: string;
  /** Package files never change; indices do. */
  readonly immutable: boolean;
}

const EMPTY_INDEX: Record<string, Uint8Array | null> = {
  PACKAGES: new Uint8Array(0),
  'PACKAGES.gz': gzipSync(Buffer.alloc(0)),
  'PACKAGES.rds': null,
};

export class RepositoryReader {
  constructor(private readonly storage: RepositoryStorage) {}

  /** The file at `path` under /repo/, or null (404). */
  async read(path: string): Promise<RepositoryFile | null> {
    const request = readRepositoryPath(path);
    if (request.kind === 'invalid') return null;
    if (request.kind === 'file') {
      const data = await this.storage.readFile(request.path);
      return data ? { data, contentType: contentTypeOf(request.path), immutable: true } : null;
    }
    const data = (await this.storage.readIndex(request.tree, request.name)) ?? EMPTY_INDEX[request.name];
    return data ? { data, contentType: contentTypeOf(request.name), immutable: false } : null;
  }
}
