/** Prometheus metrics of the sysreqs service, on a registry of its own (one per app). */
import type { Middleware } from 'koa';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's metrics and the registry `/metrics` serves. */
export interface SysreqsMetrics {
  readonly registry: Registry;
  /** Resolutions answered, by platform and route. */
  readonly resolutions: Counter<'platform' | 'route'>;
  /** SystemRequirements items no rule matched. */
  readonly unmatchedItems: Counter<never>;
  /** Middleware that times every request. */
  readonly middleware: Middleware;
}

/** Creates the metrics; `defaultMetrics` adds process metrics (off in tests that build many apps). */
export function createMetrics(defaultMetrics = true): SysreqsMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'sysreqs_' });
  const requests = new Histogram({
    name: 'sysreqs_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const resolutions = new Counter({
    name: 'sysreqs_resolutions_total',
    help: 'Resolutions answered',
    labelNames: ['platform', 'route'] as const,
    registers: [registry],
  });
  const unmatchedItems = new Counter({ name: 'sysreqs_unmatched_items_total', help: 'SystemRequirements items no rule matched', registers: [registry] });
  const middleware: Middleware = async (ctx, next) => {
    const end = requests.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route: String(route), status: String(ctx.status) });
    }
  };
  return { registry, resolutions, unmatchedItems, middleware };
}
