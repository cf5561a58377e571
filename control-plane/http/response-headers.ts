/**
 * Headers every answer carries: `X-Content-Type-Options: nosniff` (a browser never guesses a
 * type for an artifact or an API answer and runs it), and `Cache-Control: no-store` unless the
 * route chose its own caching (static files, the repository): job state and artifacts are not
 * kept by shared caches.
 */
import type { Middleware } from 'koa';

/** `X-Content-Type-Options` of every answer. */
export const NOSNIFF = 'nosniff';
/** `Cache-Control` of every answer whose route did not choose its own. */
export const NO_STORE = 'no-store';

/** Middleware setting the headers after the route has answered (error answers too). */
export function responseHeaders(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      ctx.set('X-Content-Type-Options', NOSNIFF);
      if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', NO_STORE);
    }
  };
}
