/** `createApp(deps)`: the sysreqs Koa application, without listening. */
import Router from '@koa/router';
import Koa from 'koa';
import { errorMiddleware } from './error-middleware.ts';
import { routeNotFound } from './errors.ts';
import type { SysreqsDeps } from './sysreqs-deps.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerPlatformRoutes } from './routes/platforms.ts';
import { registerPositRoutes } from './routes/posit.ts';
import { registerResolveRoutes } from './routes/resolve.ts';

export type { SysreqsDeps } from './sysreqs-deps.ts';

/** Builds the app: metrics, request log, the one error middleware, then the routes. */
export function createApp(deps: SysreqsDeps): Koa {
  const app = new Koa();
  const router = new Router();
  registerPlatformRoutes(router);
  registerResolveRoutes(router, deps);
  registerPositRoutes(router, deps);
  registerHealthRoutes(router, deps);
  app.use(deps.metrics.middleware);
  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      deps.logger.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  app.use(errorMiddleware(deps.logger));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  app.use((ctx) => {
    if (ctx.status === 404 && ctx.body === undefined) throw routeNotFound(ctx.method, ctx.path);
  });
  return app;
}
