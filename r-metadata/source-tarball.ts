/**
 * Walks an R source package (`.tar.gz`, hostile input) in memory: gunzip into a tar reader with
 * back-pressure, the unpacked size counted as it grows, every entry handed to the caller, and the
 * walk torn down at the first problem and settled exactly once. What to keep and which limits apply
 * are the caller's (the upload check keeps DESCRIPTION, sysreqs also the build files); nothing here
 * touches the disk.
 */
import { createGunzip } from 'node:zlib';
import tar, { type ExtractEvents, type Header } from 'tar-stream';

/** One entry's body stream, as tar-stream hands it over. */
export type TarEntryBody = ExtractEvents['entry'][1];

/** What a walk asks of its caller. */
export interface TarWalk {
  /** Called with the running count of unpacked bytes (the tar stream); an error returned stops the walk with it. */
  readonly onUnpacked: (unpackedBytes: number) => Error | undefined;
  /** Called for each entry; consumes the body (`skipEntry`, `readEntry`) and then calls `next`, or throws to stop the walk. */
  readonly onEntry: (header: Header, body: TarEntryBody, next: () => void) => void;
  /** The error for data that is not gzip or is cut short. */
  readonly corruptGzip: (detail: string) => Error;
  /** The error for gzip data that does not hold a tar archive. */
  readonly notTar: (detail: string) => Error;
}

/** Walks every entry of a gzip-compressed tar archive; resolves with the unpacked size. */
export function walkSourceTarball(data: Uint8Array, walk: TarWalk): Promise<number> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    const extract = tar.extract();
    let unpackedBytes = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      extract.destroy();
      reject(error);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      unpackedBytes += chunk.byteLength;
      const overLimit = walk.onUnpacked(unpackedBytes);
      if (overLimit) return fail(overLimit);
      if (!extract.write(chunk)) gunzip.pause();
    });
    extract.on('drain', () => gunzip.resume());
    // streamx's typings demand an argument to end(); undefined ends it without a last chunk.
    gunzip.on('end', () => extract.end(undefined));
    gunzip.on('error', (error: Error) => fail(walk.corruptGzip(error.message)));
    extract.on('error', (error: Error) => fail(walk.notTar(error.message)));
    extract.on('entry', (header, body, next) => {
      try {
        walk.onEntry(header, body, () => next());
      } catch (error) {
        fail(error);
      }
    });
    extract.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve(unpackedBytes);
    });
    // A safety net: if the streams close without finishing or failing, still settle.
    extract.on('close', () => fail(walk.notTar('the archive ended unexpectedly')));
    gunzip.end(data);
  });
}

/** Lets an entry's body stream by unread, then goes on. */
export function skipEntry(body: TarEntryBody, next: () => void): void {
  // Errors reach the walk through the extract stream; this listener only stops them being unhandled.
  body.on('error', () => {});
  body.on('end', () => next());
  body.resume();
}

/** Reads an entry's whole body (the caller has checked its declared size), then hands it over. */
export function readEntry(body: TarEntryBody, done: (bytes: Buffer) => void): void {
  const chunks: Buffer[] = [];
  body.on('error', () => {});
  body.on('data', (chunk) => {
    chunks.push(chunk as Buffer);
  });
  body.on('end', () => done(Buffer.concat(chunks)));
}
