/**
 * The gate in front of every route that takes new work (submissions): a quick 503 naming what is
 * missing, instead of a request that hangs while NATS is away or fills a store that is running out.
 * Reads and the builds already accepted are not affected. What a route accepts is counted by the
 * storage guard until its next look sees it stored.
 */
import type { Context, Middleware } from 'koa';
import { errors } from '../errors.ts';
import type { NatsAvailability } from '../../protocol/index.ts';
import type { StorageGuard } from './storage-guard.ts';

/** What a route that took new work accepted: its upload's bytes and its builds. */
export interface AcceptedWork {
  readonly uploadBytes: number;
  readonly builds: number;
}

/** Tells the admission gate what this request accepted (without it, its Content-Length and one build are counted). */
export function recordAcceptedWork(ctx: Context, work: AcceptedWork): void {
  ctx.state.acceptedWork = work;
}

export function newWorkAdmission(nats: NatsAvailability, storage: StorageGuard): Middleware {
  return async (ctx, next) => {
    const away = nats.problem;
    if (away) throw errors.serviceUnavailable(away, 10);
    const full = await storage.problem();
    if (full) throw errors.storageFull(full);
    await next();
    if (ctx.status >= 200 && ctx.status < 300) {
      const work = (ctx.state.acceptedWork as AcceptedWork | undefined) ?? { uploadBytes: ctx.request.length ?? 0, builds: 1 };
      storage.admitted(work.uploadBytes, work.builds);
    }
  };
}
