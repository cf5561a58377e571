/**
 * Where reverse dependencies come from: the `PACKAGES` indices and source tarballs of the farm's
 * own repository (read from its store, not over HTTP) and of the CRAN-like repositories in
 * FARM_R_REPOS (http(s):// fetched with a deadline and a size cap, file:// read from disk).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** A repository could not be read: unreachable, an HTTP error, too large. */
export class RevdepSourceError extends Error {
  override name = 'RevdepSourceError';
}

/** Reads a path under the farm's own /repo/ (null when absent). */
export type FarmRepositoryRead = (path: string) => Promise<Uint8Array | null>;

export interface RevdepSourcesOptions {
  /** The farm's repository as users name it (`<public URL>/repo`): the label of its packages. */
  readonly farmLabel: string;
  readonly readFarm: FarmRepositoryRead;
  /** More CRAN-like repositories, searched in order after the farm's own. */
  readonly repositories: readonly string[];
  /** Largest index or tarball read. */
  readonly maxBytes: number;
  readonly timeoutMs?: number;
}

export class RevdepSources {
  constructor(private readonly options: RevdepSourcesOptions) {}

  /** Every repository searched, in order: the farm's own first (and once, when FARM_R_REPOS names it too). */
  get labels(): string[] {
    return [this.options.farmLabel, ...this.options.repositories.filter((repository) => repository !== this.options.farmLabel)];
  }

  /** Each repository's source `PACKAGES` text, in order; a repository without one has an empty index. */
  async indices(): Promise<Array<[string, string]>> {
    return Promise.all(
      this.labels.map(async (label): Promise<[string, string]> => [
        label,
        new TextDecoder().decode((await this.read(label, 'src/contrib/PACKAGES')) ?? new Uint8Array()),
      ]),
    );
  }

  /** The source tarball of `name` `version` from `repository` (one of `labels`). */
  async tarball(repository: string, name: string, version: string): Promise<Buffer> {
    const path = `src/contrib/${name}_${version}.tar.gz`;
    const data = await this.read(repository, path);
    if (!data) throw new RevdepSourceError(`${repository}/${path} is listed in its PACKAGES but cannot be downloaded (404)`);
    return Buffer.from(data);
  }

  private async read(repository: string, path: string): Promise<Uint8Array | null> {
    if (repository === this.options.farmLabel) return this.options.readFarm(path);
    const url = `${repository}/${path}`;
    if (url.startsWith('file://')) {
      return readFile(fileURLToPath(url)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw new RevdepSourceError(`cannot read ${url}: ${error.message}`, { cause: error });
      });
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000), redirect: 'follow' });
    } catch (error) {
      throw new RevdepSourceError(`cannot reach ${url}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) return null;
    if (!response.ok) throw new RevdepSourceError(`${url} answered HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > this.options.maxBytes) throw new RevdepSourceError(`${url} is larger than ${this.options.maxBytes} bytes`);
    const data = new Uint8Array(await response.arrayBuffer());
    if (data.byteLength > this.options.maxBytes) throw new RevdepSourceError(`${url} is larger than ${this.options.maxBytes} bytes`);
    return data;
  }
}
