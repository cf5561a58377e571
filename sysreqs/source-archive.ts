/**
 * Reads an R source package (`.tar.gz`) sent to `POST /resolve` — hostile input — in memory: only
 * `DESCRIPTION` and the build files (`configure`, `configure.ac`, `src/Makevars*`) of its one top
 * folder are kept, each under a size cap; C/C++ files under src/ and inst/include/ are read for their
 * `#include <…>` lines and dropped; every other body is streamed through and dropped. Nothing
 * touches the disk; unpacking stops as soon as a limit trips.
 */
import { readEntry, skipEntry, walkSourceTarball } from '../r-metadata/index.ts';
import { BUILD_FILE_PATHS, type BuildFiles } from './build-files.ts';
import { malformedSource } from './errors.ts';
import { SOURCE_CODE_FILE, generatedHeader, includesOf, reachedIncludes, unshippedIncludes, type SourceInclude } from './source-includes.ts';

/** What `readSourceArchive` keeps. */
export interface SourceArchive {
  /** The raw bytes of `<folder>/DESCRIPTION`. */
  readonly description: Uint8Array;
  readonly buildFiles: BuildFiles;
  /**
   * `#include <…>` and `#include "…"` of the package's compiled C/C++ code (src/ and the headers it
   * reaches) that the package does not ship and its build does not make.
   */
  readonly includes: readonly SourceInclude[];
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
export const SOURCE_ARCHIVE_LIMITS: SourceArchiveLimits = Object.freeze({
  maxUnpackedBytes: 1024 * 1024 * 1024,
  maxEntries: 100_000,
  maxFileBytes: 4 * 1024 * 1024,
});

const KEPT = new Set(['DESCRIPTION', ...BUILD_FILE_PATHS]);

/** The path inside the package folder of a kept file, or undefined. */
function keptPath(name: string, folder: string | undefined): { folder: string; path: string } | undefined {
  const parts = name.replace(/^\.\//, '').split('/');
  if (parts.length < 2 || parts.some((part) => part === '..' || part === '')) return undefined;
  const [top, ...rest] = parts;
  if (folder !== undefined && top !== folder) return undefined;
  const path = rest.join('/');
  return KEPT.has(path) || SOURCE_CODE_FILE.test(path) ? { folder: top, path } : undefined;
}

/** Path inside the package folder of any entry (for knowing which headers the package ships). */
function innerPath(name: string): string | undefined {
  const parts = name.replace(/^\.\//, '').split('/');
  return parts.length < 2 ? undefined : parts.slice(1).join('/');
}

/** Reads DESCRIPTION and the build files of a gzip-compressed tar archive; throws `malformed_source`. */
export async function readSourceArchive(bytes: Uint8Array, limits: SourceArchiveLimits = SOURCE_ARCHIVE_LIMITS): Promise<SourceArchive> {
  if (bytes.byteLength < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
    throw malformedSource('the body is not gzip data; send the package as R CMD build makes it (a .tar.gz)');
  const files = new Map<string, Uint8Array>();
  const paths = new Set<string>();
  const includes: SourceInclude[] = [];
  let folder: string | undefined;
  let entries = 0;
  await walkSourceTarball(bytes, {
    onUnpacked: (unpacked) => (unpacked > limits.maxUnpackedBytes ? malformedSource(`it unpacks to more than ${limits.maxUnpackedBytes} bytes`) : undefined),
    onEntry: (header, body, next) => {
      if (++entries > limits.maxEntries) throw malformedSource(`it has more than ${limits.maxEntries} entries`);
      const inner = header.type === 'file' ? innerPath(header.name) : undefined;
      if (inner !== undefined) paths.add(inner);
      const kept = header.type === 'file' ? keptPath(header.name, folder) : undefined;
      if (!kept || (header.size ?? 0) > limits.maxFileBytes) return skipEntry(body, next);
      folder = kept.folder;
      readEntry(body, (content) => {
        // Code files are read for their includes and dropped; DESCRIPTION and build files are kept.
        if (SOURCE_CODE_FILE.test(kept.path)) includes.push(...includesOf(kept.path, Buffer.from(content).toString('utf8'), { quoted: true }));
        else files.set(kept.path, content);
        next();
      });
    },
    corruptGzip: (detail) => malformedSource(`the gzip data is corrupt: ${detail}`),
    notTar: (detail) => malformedSource(`it is not a tar archive: ${detail}`),
  });
  const description = files.get('DESCRIPTION');
  if (!description) throw malformedSource("it has no '<package>/DESCRIPTION' file");
  const decoder = new TextDecoder('utf-8');
  const buildFiles = Object.fromEntries([...files].filter(([path]) => path !== 'DESCRIPTION').map(([path, content]) => [path, decoder.decode(content)]));
  const buildFileTexts = Object.values(buildFiles);
  const generated = (header: string) => generatedHeader(header, paths, buildFileTexts);
  return { description, buildFiles, includes: unshippedIncludes(reachedIncludes(includes), paths, generated) };
}
