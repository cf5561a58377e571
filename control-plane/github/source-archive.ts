/**
 * Turns GitHub's source archive of a commit into the upload the farm checks. GitHub's tarball is
 * `git archive` output whose one top folder is `<owner>-<repo>-<short sha>/`; R CMD build (run by
 * the agent, in its sandbox, as for any upload that is not built yet) wants a folder named for the
 * package. So the archive is streamed through twice, in memory, under the upload limits: once to
 * read the package name from DESCRIPTION, once to rename the folder. Nothing is unpacked to disk;
 * the result then goes through the same checks as an upload (`inspectPackageArchive`).
 */
import { createGunzip, createGzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { parseDcfRecord } from '../../r-metadata/index.ts';
import type { ArchiveLimits } from '../uploads/index.ts';

/** A source archive that cannot be made into a package upload; the message says why. */
export class SourceArchiveError extends Error {
  override name = 'SourceArchiveError';
}

/** Streams the archive's entries to `visit`, stopping at the limits. */
async function eachEntry(data: Uint8Array, limits: ArchiveLimits, visit: (header: Header, body: Buffer) => void | Promise<void>): Promise<void> {
  const extract = tar.extract();
  const gunzip = createGunzip();
  let entries = 0;
  let bytes = 0;
  const done = (async () => {
    for await (const entry of extract) {
      entries++;
      bytes += entry.header.size ?? 0;
      if (entries > limits.maxEntries) throw new SourceArchiveError(`the repository holds more than ${limits.maxEntries} files and folders`);
      if (bytes > limits.maxUnpackedBytes) throw new SourceArchiveError(`the repository unpacks to more than ${limits.maxUnpackedBytes} bytes`);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      await visit(entry.header, Buffer.concat(chunks));
    }
  })();
  gunzip.on('error', (error) => extract.destroy(new SourceArchiveError(`the archive is not gzip: ${error.message}`)));
  gunzip.pipe(extract);
  gunzip.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  await done;
}

function topFolderOf(name: string): string {
  return name.replace(/^\.\//, '').split('/')[0];
}

/** The package name from `<top>/DESCRIPTION`. */
async function packageNameOf(data: Uint8Array, limits: ArchiveLimits): Promise<string> {
  let description: Buffer | null = null;
  let top: string | null = null;
  await eachEntry(data, limits, (header, body) => {
    top ??= topFolderOf(header.name);
    if (header.name.replace(/^\.\//, '') === `${top}/DESCRIPTION` && body.length <= limits.maxDescriptionBytes) description = body;
  });
  if (!description)
    throw new SourceArchiveError('the repository has no DESCRIPTION file at its top: the farm checks repositories whose top folder is an R package');
  let fields: Record<string, string>;
  try {
    fields = parseDcfRecord((description as Buffer).toString('utf8'));
  } catch (error) {
    throw new SourceArchiveError((error as Error).message);
  }
  if (!fields.Package) throw new SourceArchiveError('DESCRIPTION has no Package field');
  return fields.Package;
}

/**
 * The archive again with its top folder renamed to the package's name. Entries are passed on as
 * they are (links and all): the upload checks that follow refuse what a package may not hold.
 */
export async function packageUploadFromGitHubArchive(data: Uint8Array, limits: ArchiveLimits): Promise<Buffer> {
  const packageName = await packageNameOf(data, limits);
  if (!/^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$/.test(packageName)) throw new SourceArchiveError(`'${packageName}' in DESCRIPTION is not a valid R package name`);
  const pack = tar.pack();
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(gzip);
  await eachEntry(data, limits, (header, body) => {
    const segments = header.name.replace(/^\.\//, '').split('/');
    segments[0] = packageName;
    return new Promise<void>((resolve, reject) => {
      const renamed = { ...header, name: segments.join('/'), pax: undefined };
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (header.type === 'file') pack.entry(renamed, body, done);
      else pack.entry(renamed, done);
    });
  });
  pack.finalize();
  await finished;
  return Buffer.concat(chunks);
}
