/** What operators and tools need: health, Prometheus metrics, the OpenAPI document. */
import Router from '@koa/router';
import type { AppDeps } from '../app-deps.ts';
import { isConnectionClosed, natsRoundTrip } from '../../protocol/index.ts';
import { errors } from '../errors.ts';
import { openApiDocument } from '../http/openapi-validator.ts';

export function operationsRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    if (isConnectionClosed(deps.farm)) throw errors.serviceUnavailable('the connection to NATS is closed');
    const rtt = await natsRoundTrip(deps.farm);
    if (rtt === null) throw errors.serviceUnavailable('NATS does not answer');
    ctx.body = { status: 'ok', nats: `connected (${rtt} ms)` };
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
