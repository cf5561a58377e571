/**
 * Reads an R source package (`.tar.gz`) sent to `POST /resolve` — hostile input — in memory: only
 * `DESCRIPTION` and the build files (`configure`, `configure.ac`, `src/Makevars*`) of its one top
 * folder are kept, each under a size cap; every other body is streamed through and dropped. Nothing
 * touches the disk; unpacking stops as soon as a limit trips.
 */
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { BUILD_FILE_PATHS, type BuildFiles } from './build-files.ts';
import { malformedSource } from './errors.ts';

/** What `readSourceArchive` keeps. */
export interface SourceArchive {
  /** The raw bytes of `<folder>/DESCRIPTION`. */
  readonly description: Uint8Array;
  readonly buildFiles: BuildFiles;
}

/** Limits of the archive reader. */
export interface SourceArchiveLimits {
  /** Largest uncompressed tar stream in bytes. */
  readonly maxUnpackedBytes: number;
  /** Most entries. */
  readonly maxEntries: number;
  /** Largest kept file (DESCRIPTION, configure, …) in bytes. */
  readonly maxFileBytes: number;
}

/** Defaults: CRAN's own tarball limits are far below these. */
export const SOURCE_ARCHIVE_LIMITS: SourceArchiveLimits = Object.freeze({ maxUnpackedBytes: 1024 * 1024 * 1024, maxEntries: 100_000, maxFileBytes: 4 * 1024 * 1024 });

const KEPT = new Set(['DESCRIPTION', ...BUILD_FILE_PATHS]);

/** The path inside the package folder of a kept file, or undefined. */
function keptPath(name: string, folder: string | undefined): { folder: string; path: string } | undefined {
  const parts = name.replace(/^\.\//, '').split('/');
  if (parts.length < 2 || parts.some((part) => part === '..' || part === '')) return undefined;
  const [top, ...rest] = parts;
  if (folder !== undefined && top !== folder) return undefined;
  const path = rest.join('/');
  return KEPT.has(path) ? { folder: top, path } : undefined;
}

/** Reads DESCRIPTION and the build files of a gzip-compressed tar archive; throws `malformed_source`. */
export function readSourceArchive(bytes: Uint8Array, limits: SourceArchiveLimits = SOURCE_ARCHIVE_LIMITS): Promise<SourceArchive> {
  if (bytes.byteLength < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return Promise.reject(malformedSource('the body is not gzip data; send the package as R CMD build makes it (a .tar.gz)'));
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const extract = tar.extract();
    const files = new Map<string, Uint8Array>();
    let folder: string | undefined;
    let unpacked = 0;
    let entries = 0;
    let settled = false;
    const fail = (problem: string) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      extract.destroy();
      reject(malformedSource(problem));
    };
    gunzip.on('data', (chunk: Buffer) => {
      unpacked += chunk.byteLength;
      if (unpacked > limits.maxUnpackedBytes) return fail(`it unpacks to more than ${limits.maxUnpackedBytes} bytes`);
      if (!extract.write(chunk)) gunzip.pause();
    });
    extract.on('drain', () => gunzip.resume());
    gunzip.on('end', () => extract.end(undefined));
    gunzip.on('error', (error: Error) => fail(`the gzip data is corrupt: ${error.message}`));
    extract.on('error', (error: Error) => fail(`it is not a tar archive: ${error.message}`));
    extract.on('entry', (header, body, next) => {
      if (++entries > limits.maxEntries) return fail(`it has more than ${limits.maxEntries} entries`);
      const kept = header.type === 'file' ? keptPath(header.name, folder) : undefined;
      if (!kept || (header.size ?? 0) > limits.maxFileBytes) {
        body.on('end', () => next());
        body.resume();
        return;
      }
      folder = kept.folder;
      const chunks: Buffer[] = [];
      body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      body.on('end', () => {
        files.set(kept.path, Buffer.concat(chunks));
        next();
      });
    });
    extract.on('finish', () => {
      if (settled) return;
      settled = true;
      const description = files.get('DESCRIPTION');
      if (!description) return reject(malformedSource("it has no '<package>/DESCRIPTION' file"));
      const decoder = new TextDecoder('utf-8');
      const buildFiles = Object.fromEntries([...files].filter(([path]) => path !== 'DESCRIPTION').map(([path, content]) => [path, decoder.decode(content)]));
      resolve({ description, buildFiles });
    });
    gunzip.end(bytes);
  });
}
