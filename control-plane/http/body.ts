/** Reading request bodies with a size limit, and small JSON bodies into `ctx.state.jsonBody`. */
import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import { errors } from '../errors.ts';

/** Reads a request body up to `limit` bytes; over it, a 413 that names the limit. */
export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw errors.uploadTooLarge(limit);
  try {
    return await getRawBody(ctx.req, { limit });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') throw errors.uploadTooLarge(limit);
    throw errors.invalidRequest(`could not read the request body: ${(error as Error).message}`);
  }
}

/** Middleware: parses a JSON body of at most `limit` bytes (empty is allowed) into ctx.state.jsonBody. */
export function jsonBody(limit = 1024 * 1024) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const raw = await readBody(ctx, limit);
    if (raw.length > 0) {
      const type = ctx.get('content-type');
      if (type && !/json/i.test(type)) throw errors.unsupportedMediaType('JSON (Content-Type: application/json)');
      try {
        ctx.state.jsonBody = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw errors.invalidRequest(`the body is not valid JSON: ${(error as Error).message}`);
      }
    }
    await next();
  };
}
