/**
 * Walks an R source package (`.tar.gz`, hostile input) in memory: gunzip into a tar reader with
 * back-pressure, the unpacked size counted as it grows, every entry handed to the caller, and the
 * walk torn down at the first problem and settled exactly once. What to keep and which limits apply
 * are the caller's (the upload check keeps DESCRIPTION, sysreqs also the build files); nothing here
 * touches the disk. An archive that inflates to little (most packages) is inflated in one call, off
 * the event loop, and its tar read from that one buffer: no stream machinery per 64 KiB, 1-3 ms less
 * CPU per MB of upload than the stream pipeline. A larger one, or one inflating past what the
 * caller's limits allow (a bomb), goes through the stream, so memory stays bounded.
 */
import { createGunzip, gunzip, type ZlibOptions } from 'node:zlib';
import tar, { type ExtractEvents, type Header } from 'tar-stream';

/** One entry's body stream, as tar-stream hands it over. */
export type TarEntryBody = ExtractEvents['entry'][1];

/** What a walk asks of its caller. */
export interface TarWalk {
  /** Called with the running count of unpacked bytes (the tar stream); an error returned stops the walk with it. */
  readonly onUnpacked: (unpackedBytes: number) => Error | undefined;
  /**
   * The most unpacked bytes `onUnpacked` accepts, when the caller knows it: an archive inflating
   * to more is walked as a stream, so it is stopped (and refused by `onUnpacked`) as it crosses it.
   */
  readonly unpackedAllowance?: number;
  /** Called for each entry; consumes the body (`skipEntry`, `readEntry`) and then calls `next`, or throws to stop the walk. */
  readonly onEntry: (header: Header, body: TarEntryBody, next: () => void) => void;
  /** The error for data that is not gzip or is cut short. */
  readonly corruptGzip: (detail: string) => Error;
  /** The error for gzip data that does not hold a tar archive. */
  readonly notTar: (detail: string) => Error;
}

/**
 * Most bytes an archive may inflate to and still be inflated in one call (held whole for its walk);
 * beyond it the walk streams. Times the upload concurrency, it bounds what inflated archives hold.
 */
export const ONE_SHOT_INFLATE_BYTES = 8 * 1024 * 1024;

/** Walks every entry of a gzip-compressed tar archive; resolves with the unpacked size. */
export async function walkSourceTarball(data: Uint8Array, walk: TarWalk): Promise<number> {
  const whole = await inflateSmall(data, walk);
  if (whole === null) return walkStream(data, walk);
  // The checks the stream makes as it grows, made once on the whole (they only grow with the size).
  const overLimit = walk.onUnpacked(whole.byteLength);
  if (overLimit) throw overLimit;
  await walkTar(whole, walk);
  return whole.byteLength;
}

/** The inflated archive, or null when it inflates to more than ONE_SHOT_INFLATE_BYTES or the walk's allowance. */
function inflateSmall(data: Uint8Array, walk: TarWalk): Promise<Buffer | null> {
  const cap = Math.min(ONE_SHOT_INFLATE_BYTES, walk.unpackedAllowance ?? ONE_SHOT_INFLATE_BYTES);
  // gzip's trailer states the size (mod 2^32; hostile input may lie): one byte more is the output
  // chunk, so the output is one buffer, neither joined from pieces nor followed by a fresh empty
  // chunk (zlib allocates the next one whenever a chunk fills up). A lie costs at most `cap` bytes.
  const stated = data.byteLength >= 18 ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(data.byteLength - 4) : 0;
  const options: ZlibOptions = {
    chunkSize: Math.max(64, Math.min(cap, Math.max(64 * 1024, stated + 1))),
    maxOutputLength: Math.max(1, cap),
  };
  return new Promise((resolve, reject) =>
    gunzip(data, options, (error, result) => {
      if (!error) return resolve(result);
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return resolve(null);
      reject(walk.corruptGzip(error.message));
    }),
  );
}

/** A tar extract stream handing each entry to the walk, its errors turned into the walk's, settled once. */
interface WalkedExtract {
  readonly extract: ReturnType<typeof tar.extract>;
  /** Resolves when the archive's entries are all walked; rejects with the first problem. */
  readonly walked: Promise<void>;
  /** Stops the walk with `error` (the first call wins). */
  fail(error: unknown): void;
  readonly settled: () => boolean;
}

/** The extract side of a walk; `teardown` also stops whatever feeds it. */
function walkedExtract(walk: TarWalk, teardown: () => void = () => {}): WalkedExtract {
  const extract = tar.extract();
  let settled = false;
  let settle: { resolve: () => void; reject: (error: unknown) => void };
  const walked = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const fail = (error: unknown) => {
    if (settled) return;
    settled = true;
    teardown();
    extract.destroy();
    settle.reject(error);
  };
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
    settle.resolve();
  });
  // A safety net: if the streams close without finishing or failing, still settle.
  extract.on('close', () => fail(walk.notTar('the archive ended unexpectedly')));
  return { extract, walked, fail, settled: () => settled };
}

/** Walks the entries of a whole, inflated tar archive. */
function walkTar(tarData: Buffer, walk: TarWalk): Promise<void> {
  const { extract, walked } = walkedExtract(walk);
  extract.end(tarData);
  return walked;
}

/** Walks an archive as it inflates, with back-pressure, the unpacked size checked as it grows. */
async function walkStream(data: Uint8Array, walk: TarWalk): Promise<number> {
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  const { extract, walked, fail, settled } = walkedExtract(walk, () => gunzip.destroy());
  let unpackedBytes = 0;
  gunzip.on('data', (chunk: Buffer) => {
    if (settled()) return;
    unpackedBytes += chunk.byteLength;
    const overLimit = walk.onUnpacked(unpackedBytes);
    if (overLimit) return fail(overLimit);
    if (!extract.write(chunk)) gunzip.pause();
  });
  extract.on('drain', () => gunzip.resume());
  // streamx's typings demand an argument to end(); undefined ends it without a last chunk.
  gunzip.on('end', () => extract.end(undefined));
  gunzip.on('error', (error: Error) => fail(walk.corruptGzip(error.message)));
  gunzip.end(data);
  await walked;
  return unpackedBytes;
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
