/** What operators and tools need: health, Prometheus metrics, the OpenAPI document. */
import Router from '@koa/router';
import type { AppDeps } from '../app-deps.ts';
import { natsRoundTrip } from '../../protocol/index.ts';
import { errors } from '../errors.ts';
import { probeService } from '../health/service-probe.ts';
import { openApiDocument } from '../http/openapi-validator.ts';

export function operationsRoutes(deps: AppDeps): Router {
  const router = new Router();
  // Without NATS nothing works: 503. A dependency of builds that does not answer, or storage that is
  // running out, leaves reads working: 200 `degraded`, naming it (a load balancer keeps the farm in).
  router.get('/healthz', async (ctx) => {
    const away = deps.nats.problem;
    if (away) throw errors.serviceUnavailable(away);
    const rtt = await natsRoundTrip(deps.farm);
    if (rtt === null) throw errors.serviceUnavailable('NATS does not answer');
    const sysreqs = deps.config.sysreqsUrl ? await probeService(deps.config.sysreqsUrl) : null;
    const problems = [
      ...(sysreqs ? [`sysreqs: the system-requirements service ${sysreqs}; builds wait for it`] : []),
      ...(deps.storage.lastProblem ? [`storage: ${deps.storage.lastProblem}; new work is refused`] : []),
    ];
    ctx.body = { status: problems.length ? 'degraded' : 'ok', nats: `connected (${rtt} ms)`, ...(problems.length ? { problems } : {}) };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument;
  });
  return router;
}
