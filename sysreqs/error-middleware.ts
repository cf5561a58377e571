/**
 * The one place errors become responses (koa's `onerror` expose rule): catalogued and other 4xx
 * errors show their message; anything else is logged with its cause and answered with a plain 500.
 * rfarm routes answer `{ error: { code, message } }`; the Posit-compatible routes under `/__api__/`
 * answer `{ error: "<message>" }` as Posit Package Manager does.
 */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { SysreqsError } from './errors.ts';

function describe(error: unknown): { status: number; code: string; message: string; expose: boolean } {
  if (error instanceof SysreqsError) return { status: error.status, code: error.code, message: error.message, expose: error.expose };
  const status = Number((error as { status?: unknown }).status);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    return { status, code: status === 413 ? 'invalid_request' : 'invalid_request', message: (error as Error).message, expose: true };
  }
  return { status: 500, code: 'internal_error', message: 'internal server error', expose: false };
}

/** Catches everything thrown downstream and answers it as JSON. */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const described = describe(error);
      if (!described.expose) logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = described.status;
      ctx.type = 'application/json';
      ctx.body = ctx.path.startsWith('/__api__/') ? { error: described.message } : { error: { code: described.code, message: described.message } };
    }
  };
}
