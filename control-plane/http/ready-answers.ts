/**
 * Answers whose bytes are already in memory, sent before Koa sees the request. Status polling of a
 * finished job (`GET /jobs/info/<id>`) is most of the farm's traffic, and its JSON never changes;
 * for it Koa's own work per request (its context, the middleware chain, its response handling)
 * cost more CPU than everything the answer needs. A request is answered here only when it is a
 * plain GET of one exact path (no query, no encoding) and its route has the bytes; every other
 * request, and every miss, goes on to the Koa app, which serves the same route as before.
 *
 * An answer here is the one the app gives (`test/control-plane/http/job-info-route.test.ts` compares
 * the raw responses): the same status, headers in the same order (those of response-headers.ts
 * included) and bytes, and the same metrics series.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Histogram } from 'prom-client';
import { NO_STORE, NOSNIFF } from './response-headers.ts';

/** A GET route some of whose answers are ready in memory. */
export interface ReadyRoute {
  /** The router's path, e.g. `/jobs/info/:id`: the `route` label of the request metrics. */
  readonly path: string;
  /** The whole request target of the requests it may answer (no query string). */
  readonly pattern: RegExp;
  /** The answer's media type, as the app sets it. */
  readonly contentType: string;
  /** The body for this request, or null when it is not ready (the app serves the request). */
  answer(match: RegExpExecArray): Buffer | null;
}

/**
 * A request listener serving `routes`' ready answers and passing everything else to `app`
 * (the Koa app's `callback()`). Counted in `requests` as the app's metrics middleware counts.
 */
export function answerReadyFirst(routes: readonly ReadyRoute[], requests: Histogram<'method' | 'route' | 'status'>, app: RequestListener): RequestListener {
  const served = routes.map((route) => ({
    route,
    labels: { method: 'GET', route: route.path, status: '200' },
  }));
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      for (const { route, labels } of served) {
        const match = route.pattern.exec(req.url ?? '');
        if (!match) continue;
        const started = process.hrtime.bigint();
        const body = route.answer(match);
        if (!body) break;
        // The order the app sets them in: the route's type, Koa's length, then response-headers.ts.
        res.writeHead(200, [
          'Content-Type',
          route.contentType,
          'Content-Length',
          String(body.length),
          'X-Content-Type-Options',
          NOSNIFF,
          'Cache-Control',
          NO_STORE,
        ]);
        requests.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        res.end(body);
        return;
      }
    }
    app(req, res);
  };
}
