/** Routes of the worker resource (admin): list, add (local farm), remove. */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AppDeps } from '../app-deps.ts';
import { errors } from '../errors.ts';
import { requireAdmin } from '../http/admin-auth.ts';
import { jsonBody } from '../http/body.ts';
import { presentWorker } from '../http/presenters.ts';

export function workerRoutes(deps: AppDeps): Router {
  const router = new Router();
  const admin = async (ctx: Context, next: Next) => {
    requireAdmin(ctx, deps.config.adminToken);
    await next();
  };

  router.get('/workers', admin, deps.validator.validate('listWorkers'), async (ctx) => {
    ctx.body = (await deps.workers.list()).map(presentWorker);
  });

  router.put('/worker', admin, jsonBody(), deps.validator.validate('addWorker'), async (ctx) => {
    if (!deps.launcher) throw errors.workersNotLaunchable();
    const body = (ctx.state.jsonBody ?? {}) as { platform?: string };
    if (body.platform) await deps.platforms.choose([body.platform]);
    const started = await deps.launcher.launch(body.platform);
    deps.workers.invalidate();
    ctx.status = 201;
    ctx.body = started;
  });

  router.delete('/worker/:id', admin, deps.validator.validate('removeWorker'), async (ctx) => {
    await deps.workers.stop(ctx.params.id);
    ctx.status = 202;
    ctx.body = { id: ctx.params.id, status: 'stopping' };
  });

  return router;
}
