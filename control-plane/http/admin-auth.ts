/** The admin bearer token check, in constant time. */
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { errors } from '../errors.ts';

export function requireAdmin(ctx: Context, adminToken: string | undefined): void {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) throw errors.adminTokenRequired();
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(adminToken ?? '');
  if (!adminToken || given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.adminTokenInvalid();
}
