/** The CRAN pre-submission summary of a job: `GET /jobs/<id>/cran-summary` (JSON) and `/status/<id>/cran` (the page). */
import Router from '@koa/router';
import type { AppDeps } from '../app-deps.ts';
import { cranSummaryPage } from '../web/cran-summary-page.ts';
import { sendPage } from './pages.ts';

export function summaryRoutes(deps: AppDeps): Router {
  const router = new Router();

  router.get('/jobs/:id/cran-summary', deps.validator.validate('getCranSummary'), async (ctx) => {
    ctx.body = await deps.revdeps.summary(await deps.jobs.get(ctx.params.id));
  });

  router.get('/status/:id/cran', async (ctx) => {
    sendPage(ctx, cranSummaryPage(await deps.revdeps.summary(await deps.jobs.get(ctx.params.id))));
  });

  return router;
}
