/**
 * The one place errors become responses (koa's `expose` rule): catalogued and other 4xx errors
 * show their message as `{ error: { code, message } }`; anything else is logged with its cause and
 * answered with a plain 500. Under `/api/` (the r-hub 1.x API) the same errors take r-hub's shape,
 * `{ status: "error", code, message }`: its R client shows `message` to the user.
 */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { isTransientNatsError } from '../../protocol/index.ts';
import { FarmError, errors, type ErrorCode } from '../errors.ts';

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

/** Errors from libraries below us (raw-body's 413, JSON parsing) mapped onto the catalogue. */
function fromLibrary(error: HttpLikeError): FarmError | null {
  const status = error.status ?? error.statusCode;
  // The router answers an HTTP method it does not know at all with 501; to the client it is a 405.
  if (status === 501) return new FarmError(405, 'method_not_allowed', error.message ?? 'method not allowed');
  if (!status || status >= 500) return null;
  if (status === 413) return new FarmError(413, 'upload_too_large', error.message ?? 'request body too large');
  const code: ErrorCode =
    status === 404 ? 'route_not_found' : status === 405 ? 'method_not_allowed' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
  return new FarmError(status, code, error.message ?? 'bad request');
}

/** The body of an error response, in rfarm's shape or, for r-hub clients, r-hub's. */
function errorBody(path: string, code: ErrorCode, message: string): object {
  // rhub 1.1.2's create_condition() reads `content(response)$message` and shows it as the R error.
  if (path.startsWith('/api/')) return { status: 'error', code, message };
  return { error: { code, message } };
}

export function errorHandler(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw errors.routeNotFound(ctx.method, ctx.path);
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) throw errors.methodNotAllowed(ctx.method, ctx.path, ctx.response.get('Allow'));
    } catch (caught) {
      const error =
        caught instanceof FarmError
          ? caught
          : isTransientNatsError(caught)
            ? errors.serviceUnavailable('its message store is restarting or electing a leader')
            : fromLibrary(caught as HttpLikeError);
      if (error?.status === 503) log.warn({ err: caught, path: ctx.path }, 'store unavailable');
      if (error) {
        ctx.status = error.status;
        ctx.set(error.headers);
        ctx.body = errorBody(ctx.path, error.code, error.message);
        return;
      }
      log.error({ err: caught, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = errorBody(ctx.path, 'internal_error', 'internal error; it has been logged');
    }
  };
}
