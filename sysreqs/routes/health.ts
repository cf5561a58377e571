/** `GET /healthz` and `GET /metrics`. */
import type Router from '@koa/router';
import type { SysreqsDeps } from '../sysreqs-deps.ts';

/** Registers the health and metrics resources. */
export function registerHealthRoutes(router: Router, deps: SysreqsDeps): void {
  router.get('/healthz', (ctx) => {
    ctx.body = {
      status: 'ok',
      rules: deps.rules.rules.length,
      repository: deps.index ? { location: deps.index.location, packages: deps.index.packages.size } : null,
    };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
}
