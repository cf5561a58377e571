/** Prometheus metrics of the control plane, served at /metrics. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ControlPlaneMetrics {
  readonly registry: Registry;
  readonly submissions: Counter;
  readonly requests: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(): ControlPlaneMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rfarm_control_plane_' });
  return {
    registry,
    submissions: new Counter({ name: 'rfarm_submissions_total', help: 'Jobs accepted', registers: [registry] }),
    requests: new Histogram({
      name: 'rfarm_http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
  };
}
