/** Builds real tar and tar.gz archives in memory for the upload tests, with tar-stream's packer. */
import { gzipSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import type { ArchiveLimits } from '../../../control-plane/uploads/index.ts';

/** One archive entry: a tar header plus, for files, its body. */
export type EntrySpec = Partial<Header> & { name: string; body?: string | Buffer; pax?: Record<string, string> };

/** Generous limits, so a test trips only the limit it lowers. */
export const testLimits: ArchiveLimits = Object.freeze({
  maxCompressedBytes: 100 * 1024 * 1024,
  maxUnpackedBytes: 500 * 1024 * 1024,
  maxRatio: 200,
  maxEntries: 10_000,
  maxDescriptionBytes: 64 * 1024,
});

export const goodDescription = [
  'Package: demo',
  'Type: Package',
  'Title: A Demonstration Package',
  'Version: 0.1.0',
  'Authors@R: person("Ada", "Lovelace", email = "ada@example.org", role = c("aut", "cre"))',
  'Description: Shows that the farm accepts a well-formed package.',
  'License: MIT + file LICENSE',
  'Encoding: UTF-8',
  '',
].join('\n');

/** The files of a small valid package `folder`, with the given DESCRIPTION text or bytes. */
export function packageEntries(description: string | Buffer = goodDescription, folder = 'demo'): EntrySpec[] {
  return [
    { name: `${folder}/`, type: 'directory' },
    { name: `${folder}/DESCRIPTION`, body: description },
    { name: `${folder}/NAMESPACE`, body: 'export(hello)\n' },
    { name: `${folder}/R/`, type: 'directory' },
    { name: `${folder}/R/hello.R`, body: 'hello <- function() "hello"\n' },
  ];
}

/** An uncompressed tar of `entries`. */
export async function makeTar(entries: readonly EntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { body, ...header } of entries) {
    if (body === undefined) pack.entry({ mtime: new Date(0), ...header });
    else pack.entry({ mtime: new Date(0), ...header }, body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A gzipped tar of `entries`, as an upload would arrive. */
export async function makeTarGz(entries: readonly EntrySpec[]): Promise<Buffer> {
  return gzipSync(await makeTar(entries));
}

/** The scaler's seeded random generator (mulberry32), so a failing fuzz case can be replayed. */
export { seededRandom } from '../../../scaler/index.ts';
