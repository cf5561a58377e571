/**
 * The gate in front of every route that takes new work (submissions): a quick 503 naming what is
 * missing, instead of a request that hangs while NATS is away or fills a store that is running out.
 * Reads and the builds already accepted are not affected.
 */
import type { Middleware } from 'koa';
import { errors } from '../errors.ts';
import type { NatsAvailability } from '../../protocol/index.ts';
import type { StorageGuard } from './storage-guard.ts';

export function newWorkAdmission(nats: NatsAvailability, storage: StorageGuard): Middleware {
  return async (_ctx, next) => {
    const away = nats.problem;
    if (away) throw errors.serviceUnavailable(away, 10);
    const full = await storage.problem();
    if (full) throw errors.storageFull(full);
    await next();
  };
}
