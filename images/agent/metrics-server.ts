/**
 * The agent's `/healthz` and Prometheus `/metrics`, for the farm's monitoring to scrape. A bare
 * node:http server: two fixed routes do not need a framework in every build host's agent.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AgentMetrics {
  readonly registry: Registry;
  /** Build attempts by how they ended: checked, stopped (cancel, limits) or infrastructure. */
  readonly builds: Counter<'outcome'>;
  readonly buildSeconds: Histogram;
  /** 1 while a build runs. */
  readonly busy: Gauge;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rfarm_agent_' });
  return {
    registry,
    builds: new Counter({ name: 'rfarm_agent_builds_total', help: 'Build attempts by how they ended', labelNames: ['outcome'], registers: [registry] }),
    buildSeconds: new Histogram({
      name: 'rfarm_agent_build_seconds',
      help: 'Wall time of build attempts',
      buckets: [5, 15, 60, 300, 900, 1800],
      registers: [registry],
    }),
    busy: new Gauge({ name: 'rfarm_agent_busy', help: '1 while a build runs', registers: [registry] }),
  };
}

/** Serves the two routes on `port` (all interfaces: the monitoring host scrapes it inside the VPC). */
export function serveMetrics(metrics: AgentMetrics, port: number, healthy: () => boolean): Server {
  return createServer((request, response) => {
    if (request.url === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      });
      return;
    }
    if (request.url === '/healthz') {
      const ok = healthy();
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(ok ? { status: 'ok' } : { error: { code: 'service_unavailable', message: 'not connected to NATS' } }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 'route_not_found', message: 'the agent serves /healthz and /metrics' } }));
  }).listen(port);
}
