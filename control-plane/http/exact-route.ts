/**
 * A route answered ahead of the routers, for requests of one exact shape. Status polling
 * (`GET /jobs/info/<id>`) is most of the farm's traffic, and for it @koa/router's work per request
 * (reading the host, testing every layer of the router, building and composing the route's chain,
 * decoding its parameters) cost about as much CPU as the route itself. A request that is not of the
 * exact shape (another method, HEAD included; a parameter that needs decoding; a trailing slash)
 * goes on to the routers, which serve the same route as before.
 */
import type { Middleware } from 'koa';
import compose from 'koa-compose';

/** One route, registered on its router as usual and also served by `exactRoute`. */
export interface ExactRoute {
  readonly method: 'GET';
  /** The router's path, e.g. `/jobs/info/:id`: the `route` label of the request metrics. */
  readonly path: string;
  /** The whole path of the requests served here, one capture group per name in `params`. */
  readonly pattern: RegExp;
  readonly params: readonly string[];
  /** The route's middleware, as given to the router. */
  readonly middleware: readonly Middleware[];
}

/** Middleware serving `route` for requests of its exact shape and passing every other request on. */
export function exactRoute(route: ExactRoute): Middleware {
  // Composed once, as the router would per request.
  const run = compose([...route.middleware]);
  return (ctx, next) => {
    if (ctx.method !== route.method) return next();
    const match = route.pattern.exec(ctx.path);
    if (!match) return next();
    const params: Record<string, string> = {};
    route.params.forEach((name, index) => (params[name] = match[index + 1]!));
    // What @koa/router sets and this app reads: the parameters, and the matched path for the metrics.
    Object.assign(ctx, { params, _matchedRoute: route.path });
    return run(ctx, next);
  };
}
