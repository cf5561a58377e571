/**
 * Validates an uploaded R source package (`.tar.gz`) in memory before anything else touches it:
 * gzip and tar framing, safe entry names and types, one package folder, a valid DESCRIPTION, and
 * limits against decompression bombs. Nothing is written to disk; bodies other than DESCRIPTION are
 * streamed through and dropped, and unpacking stops as soon as a limit trips.
 */
import type { Header } from 'tar-stream';
import { readEntry, skipEntry, walkSourceTarball, type TarEntryBody } from '../../r-metadata/index.ts';
import { errors, type FarmError } from '../errors.ts';
import { readPackageDescription } from './description.ts';
import { checkEntry } from './entry-path.ts';

/** How much an upload may hold; the caller chooses, typically from the service config. */
export interface ArchiveLimits {
  /** Largest compressed upload in bytes (default 100 MB, configurable by the caller). */
  readonly maxCompressedBytes: number;
  /** Largest total unpacked size in bytes, counted as the uncompressed tar stream (contents plus headers). */
  readonly maxUnpackedBytes: number;
  /** Largest unpacked/compressed ratio (tar bombs), e.g. 200. Only enforced once unpacked size > 1 MB. */
  readonly maxRatio: number;
  /** Most entries (files and folders). */
  readonly maxEntries: number;
  /** Largest DESCRIPTION file in bytes, e.g. 64 KiB. */
  readonly maxDescriptionBytes: number;
}

/** A source package that passed every check. */
export interface PackageArchive {
  /** DESCRIPTION's Package field, equal to the archive's top-level folder. */
  readonly packageName: string;
  /** DESCRIPTION's Version field. */
  readonly version: string;
  /** The DESCRIPTION text, as UTF-8 (converted when it declares `Encoding: latin1`). */
  readonly description: string;
  /** DESCRIPTION's fields, continuation lines joined with '\n'. */
  readonly fields: Readonly<Record<string, string>>;
  /** Whether DESCRIPTION has a `Packaged:` field, i.e. the archive is `R CMD build` output. */
  readonly prebuilt: boolean;
  /** Number of tar entries (files and folders). */
  readonly entries: number;
  /** Size of the uncompressed tar stream in bytes. */
  readonly unpackedBytes: number;
}

/** Below this many unpacked bytes the ratio is not checked: tiny text files compress very well. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * Validates an uploaded source package entirely in memory/streaming — never writes to disk.
 * Throws a FarmError (not_gzip, not_tar, unsafe_archive_entry, no_package_directory,
 * invalid_description, invalid_package_name, invalid_package_version, upload_too_large or
 * archive_too_large) saying what to change.
 */
export async function inspectPackageArchive(data: Buffer, limits: ArchiveLimits): Promise<PackageArchive> {
  if (data.byteLength > limits.maxCompressedBytes) throw errors.uploadTooLarge(limits.maxCompressedBytes);
  if (data.byteLength === 0) throw errors.emptyUpload();
  if (data.byteLength < 2 || data[0] !== 0x1f || data[1] !== 0x8b) throw errors.notGzip();
  const contents = await readArchive(data, limits);
  if (contents.folder === undefined) throw errors.noPackageDirectory('the archive holds no files');
  if (contents.description === undefined) throw errors.noPackageDirectory(`there is no '${contents.folder}/DESCRIPTION' file`);
  const description = readPackageDescription(contents.description, contents.folder);
  return Object.freeze({ ...description, entries: contents.entries, unpackedBytes: contents.unpackedBytes });
}

interface ArchiveContents {
  readonly folder: string | undefined;
  readonly description: Buffer | undefined;
  readonly entries: number;
  readonly unpackedBytes: number;
}

/** Walks the archive, checking sizes as it unpacks and the layout entry by entry. */
async function readArchive(data: Buffer, limits: ArchiveLimits): Promise<ArchiveContents> {
  const layout = new PackageLayout(limits);
  const unpackedBytes = await walkSourceTarball(data, {
    onUnpacked: (unpacked) => checkUnpackedSize(unpacked, data.byteLength, limits),
    unpackedAllowance: Math.min(limits.maxUnpackedBytes, Math.max(RATIO_FLOOR_BYTES, Math.floor(limits.maxRatio * data.byteLength))),
    // Anything but a FarmError thrown here is our bug: it goes on to become a logged 500.
    onEntry: (header, body, next) => layout.accept(header, body, next),
    corruptGzip: (detail) => errors.notTar(`the gzip data is truncated or corrupt: ${detail}`),
    notTar: (detail) => errors.notTar(detail),
  });
  return { ...layout.result(), unpackedBytes };
}

function checkUnpackedSize(unpacked: number, compressed: number, limits: ArchiveLimits): FarmError | undefined {
  if (unpacked > limits.maxUnpackedBytes) {
    return errors.archiveTooLarge(`more than this farm's limit of ${limits.maxUnpackedBytes} bytes; remove large data files from the package`);
  }
  if (unpacked > RATIO_FLOOR_BYTES && unpacked / compressed > limits.maxRatio) {
    return errors.archiveTooLarge(
      `it expands more than ${limits.maxRatio} times (${unpacked} bytes from ${compressed} compressed, and counting), which this farm refuses as a likely decompression bomb`,
    );
  }
  return undefined;
}

/** Tracks the entries seen so far: their count, the one package folder, and its DESCRIPTION. */
class PackageLayout {
  private entries = 0;
  private declaredBytes = 0;
  private folder: string | undefined;
  private description: Buffer | undefined;
  private readonly seen = new Map<string, boolean>();

  constructor(private readonly limits: ArchiveLimits) {}

  accept(header: Header, body: TarEntryBody, next: () => void): void {
    const size = header.size ?? 0;
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw errors.archiveTooLarge(`it holds more than this farm's limit of ${this.limits.maxEntries} files and folders`);
    }
    // Refuse a huge entry from its header alone, before unpacking any of it.
    this.declaredBytes += size;
    if (this.declaredBytes > this.limits.maxUnpackedBytes) {
      throw errors.archiveTooLarge(
        `its files add up to more than this farm's limit of ${this.limits.maxUnpackedBytes} bytes; remove large data files from the package`,
      );
    }
    const entry = checkEntry(header);
    const path = entry.segments.join('/');
    if (entry.segments.length > 0) this.place(entry.segments, entry.isDirectory, path);
    if (path === `${this.folder}/DESCRIPTION`) {
      if (entry.isDirectory) throw errors.invalidDescription(`'${path}' is a folder, not a file`);
      if (size > this.limits.maxDescriptionBytes) {
        throw errors.invalidDescription(
          `it is ${size} bytes, more than this farm's limit of ${this.limits.maxDescriptionBytes}; DESCRIPTION holds metadata only`,
        );
      }
      return readEntry(body, (bytes) => {
        this.description = bytes;
        next();
      });
    }
    skipEntry(body, next);
  }

  result(): { folder: string | undefined; description: Buffer | undefined; entries: number } {
    return { folder: this.folder, description: this.description, entries: this.entries };
  }

  private place(segments: readonly string[], isDirectory: boolean, path: string): void {
    const top = segments[0]!;
    if (segments.length === 1 && !isDirectory) {
      throw errors.noPackageDirectory(`the file '${path}' lies outside the package folder`);
    }
    if (this.folder === undefined) this.folder = top;
    else if (top !== this.folder) {
      throw errors.noPackageDirectory(`the archive holds more than one top-level entry ('${this.folder}' and '${top}')`);
    }
    const earlier = this.seen.get(path);
    if (earlier !== undefined && !(earlier && isDirectory)) {
      throw errors.unsafeEntry(path, 'the archive holds this path twice, and unpacking would overwrite the first');
    }
    this.seen.set(path, isDirectory);
  }
}
