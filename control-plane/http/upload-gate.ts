/**
 * How many uploads the control plane holds at once: a count and a byte budget. An upload that
 * does not fit is refused at once with a 503 and Retry-After, before any of its body is read.
 */
import type { Middleware } from 'koa';
import { errors } from '../errors.ts';

/** The gate's limits (FARM_UPLOAD_CONCURRENCY and FARM_UPLOAD_BUFFER_BYTES in config.ts). */
export interface UploadGateLimits {
  /** Most uploads read at the same time. */
  readonly maxUploads: number;
  /** Most bytes reserved by the uploads being read (each reserves its Content-Length, or the upload limit). */
  readonly maxBytes: number;
}

/** Seconds a refused client is asked to wait before trying again. */
export const UPLOAD_RETRY_AFTER_SECONDS = 5;

export class UploadGate {
  private uploads = 0;
  private bytes = 0;

  constructor(private readonly limits: UploadGateLimits) {}

  /** Admits one upload reserving `bytes`, or throws too_many_uploads; call the returned function when it is read. */
  admit(bytes: number): () => void {
    if (this.uploads >= this.limits.maxUploads || (this.uploads > 0 && this.bytes + bytes > this.limits.maxBytes)) {
      throw errors.tooManyUploads(this.limits.maxUploads, UPLOAD_RETRY_AFTER_SECONDS);
    }
    this.uploads++;
    this.bytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.uploads--;
      this.bytes -= bytes;
    };
  }

  /**
   * Middleware admitting the request's upload (its Content-Length, or `limit` when it declares
   * none) for as long as the rest of the route holds it.
   */
  admission(limit: number): Middleware {
    return async (ctx, next) => {
      const declared = Number(ctx.get('content-length') || 0);
      // Refused, the body is never read: Node drops it as it arrives.
      const release = this.admit(declared > 0 ? Math.min(declared, limit) : limit);
      try {
        await next();
      } finally {
        release();
      }
    };
  }

  /** Uploads being read now. */
  get active(): number {
    return this.uploads;
  }
}
