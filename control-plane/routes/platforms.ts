/** The platform catalogue with live-worker counts. */
import Router from '@koa/router';
import type { AppDeps } from '../app-deps.ts';
import { presentPlatform } from '../http/presenters.ts';

export function platformRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/platforms', deps.validator.validate('listPlatforms'), async (ctx) => {
    ctx.body = (await deps.platforms.available()).map((entry) => presentPlatform(entry.platform, entry.liveWorkers));
  });
  return router;
}
