/**
 * Reading a package upload as it streams in: the first bytes are checked (gzip's magic) and the
 * size cap is enforced chunk by chunk, so a bad or oversized upload is refused after its first
 * bytes instead of after it has been held whole in memory.
 */
import type { Context } from 'koa';
import { errors } from '../errors.ts';

/** How an upload is read. */
export interface UploadReadOptions {
  /** Largest body in bytes; more is a 413 as soon as it arrives. */
  readonly limit: number;
  /** How many leading bytes `checkHead` wants to see. */
  readonly headBytes: number;
  /** Throws (a FarmError) when the body's first `headBytes` bytes show it is not what the route takes. */
  readonly checkHead: (head: Buffer) => void;
}

/** gzip's two magic bytes: whatever does not start with them is refused at once. */
export const GZIP_HEAD: Pick<UploadReadOptions, 'headBytes' | 'checkHead'> = {
  headBytes: 2,
  checkHead: (head) => {
    if (head.length === 0) throw errors.emptyUpload();
    if (head[0] !== 0x1f || head[1] !== 0x8b) throw errors.notGzip();
  },
};

/**
 * Reads the request body of `ctx` under `options`. A refused body is not read further into
 * memory: the rest is discarded as it arrives.
 */
export function readUpload(ctx: Context, options: UploadReadOptions): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > options.limit) return Promise.reject(refuse(ctx, errors.uploadTooLarge(options.limit)));
  const req = ctx.req;
  return new Promise<Buffer>((resolve, reject) => {
    // Chunks until the head is checked; then, with a declared length, one buffer (no second copy to join them).
    let whole: Buffer | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    let headChecked = false;
    const settle = (error: unknown, body?: Buffer) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) reject(refuse(ctx, error));
      else resolve(body!);
    };
    const joined = (): Buffer => (whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > options.limit) return settle(errors.uploadTooLarge(options.limit));
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
      if (headChecked || size < options.headBytes) return;
      headChecked = true;
      try {
        options.checkHead(joined().subarray(0, options.headBytes));
      } catch (error) {
        return settle(error);
      }
      if (declared > size) {
        whole = Buffer.allocUnsafeSlow(declared);
        Buffer.concat(chunks, size).copy(whole);
        chunks.length = 0;
      }
    };
    const onEnd = () => {
      try {
        if (!headChecked) options.checkHead(joined().subarray(0, options.headBytes));
      } catch (error) {
        return settle(error);
      }
      settle(null, joined());
    };
    const onError = (error: Error) => settle(errors.invalidRequest(`could not read the upload: ${error.message}`));
    const onClose = () => settle(errors.invalidRequest('the upload was interrupted before its end'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Stops keeping a refused body: what is still coming is read and dropped. The connection is not
 * closed under a client still sending, which would reset it before the client reads the answer;
 * FARM_REQUEST_TIMEOUT_SECONDS bounds how long a client may go on sending.
 */
function refuse(ctx: Context, error: unknown): unknown {
  ctx.req.resume();
  return error;
}
