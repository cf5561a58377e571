/**
 * `npm run rehearse -- --stack dev|prod`: a `pulumi up` rehearsed on this machine. Runs the stack's
 * program under mocks as the cost estimate does (with real NATS credentials and a real farm CA),
 * boots what it renders for each Linux droplet as containers on the host network (private
 * addresses mapped to 127.0.0.2, 127.0.0.3, …; nothing is sent to a private range), puts stand-in
 * HTTPS balancers in front of the control plane and sysreqs, drives real packages through the
 * public URL and prints a table of what held. What cannot run here is listed, not faked.
 * Options: --keep (leave the farm running), --builders-per-pool N (cap; default: the stack's).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPrometheusConfig } from '../infra/monitoring/prometheus-config.ts';
import { farmHostNames } from '../infra/naming.ts';
import { ensureDockerEngine } from './docker-engine.ts';
import { machineDebianMirror } from './platform-images.ts';
import { BuilderHost } from './rehearsal/builder-host.ts';
import { bootGateway } from './rehearsal/gateway-host.ts';
import { publicRequest, startLoadBalancer, type LoadBalancer } from './rehearsal/load-balancer.ts';
import { ensureDropletImage, ensureWorkerImage } from './rehearsal/rehearsal-images.ts';
import { linuxPoolsWithoutBuilder, renderStack, type RenderedHost } from './rehearsal/rendered-stack.ts';
import { probeAgentPermissions } from './rehearsal/nats-probe.ts';
import { printReport, prometheusTargets, type Row } from './rehearsal/report.ts';
import { rInContainer, runScenarios } from './rehearsal/scenarios.ts';
import { ServiceHost } from './rehearsal/service-host.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const BALANCERS = { controlPlane: '127.0.0.100', sysreqs: '127.0.0.101' } as const;
const log = (line: string) => console.log(line);

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(probe()).catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  log(`rehearse: ${what}: not within ${timeoutMs / 1000} s`);
  return false;
}

async function main(): Promise<number> {
  const stack = option('--stack');
  if (stack !== 'dev' && stack !== 'prod') {
    console.error('usage: npm run rehearse -- --stack dev|prod [--keep] [--builders-per-pool N]');
    return 2;
  }
  const cap = Number(option('--builders-per-pool') ?? Infinity);
  const work = mkdtempSync(join(tmpdir(), `rfarm-rehearsal-${stack}-`));
  const logDir = join(work, 'logs');
  mkdirSync(logDir);
  await ensureDockerEngine(join(work, 'dockerd.log'));
  log(`rehearse: running the ${stack} program under mocks with real credentials (${work})…`);
  const rendered = await renderStack(ROOT, stack, work);
  const perPool = new Map<string, number>();
  const hosts = rendered.hosts.filter((host) => {
    if (host.role !== 'builder') return true;
    const count = (perPool.get(host.platformId!) ?? 0) + 1;
    perPool.set(host.platformId!, count);
    return count <= cap;
  });
  const names = farmHostNames(rendered.domain);
  const byRole = (role: string) => hosts.filter((host) => host.role === role);
  const natsHosts = byRole('nats');
  const addHosts = [
    ...natsHosts.flatMap((host, index) => [`${names.natsInVpc(index + 1)}:${host.loopback}`, `${names.nats(index + 1)}:${host.loopback}`]),
    `${names.controlPlane}:${BALANCERS.controlPlane}`,
    `${names.sysreqs}:${BALANCERS.sysreqs}`,
    ...byRole('logs').map((host) => `${names.logsInVpc}:${host.loopback}`),
    ...byRole('monitoring').map((host) => `${names.metrics}:${host.loopback}`),
  ];
  const builders = byRole('builder');
  const staticPrometheusConfig = () =>
    renderPrometheusConfig(stack, {
      kind: 'static',
      targets: {
        controlPlane: byRole('control-plane').map((host) => host.privateAddress),
        nats: natsHosts.map((host) => host.privateAddress),
        monitoring: ['127.0.0.1'],
        logs: byRole('logs').map((host) => host.privateAddress),
        builders: builders.map((host) => ({ address: host.privateAddress, platformId: host.platformId! })),
      },
    });
  const metricsPort = new Map(builders.map((host, index) => [host.name, 9464 + index]));
  // Private address → loopback everywhere a file names one; a builder's metrics port is its own here.
  const rewrite = (forHost: RenderedHost) => (path: string, content: string) => {
    // DigitalOcean service discovery needs its API: Prometheus gets the same jobs as static targets.
    let text = path === '/etc/prometheus/prometheus.yml' ? staticPrometheusConfig() : content;
    for (const host of hosts) {
      if (host.role === 'builder') text = text.split(`${host.privateAddress}:9464`).join(`${host.loopback}:${metricsPort.get(host.name)}`);
      text = text.split(host.privateAddress).join(host.loopback);
    }
    return text.replace(/\b0\.0\.0\.0\b/g, forHost.loopback).replace(/^http: 127\.0\.0\.1:/m, `http: ${forHost.loopback}:`);
  };

  const mirror = machineDebianMirror();
  const workerImage = await ensureWorkerImage(mirror, log);
  const serviceHosts: ServiceHost[] = [];
  const builderHosts: BuilderHost[] = [];
  const balancers: LoadBalancer[] = [];
  const rows: Row[] = [];
  const teardown = async () => {
    for (const balancer of balancers.splice(0)) await balancer.close();
    for (const builder of builderHosts) builder.remove();
    for (const host of serviceHosts) host.remove();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void teardown().then(() => process.exit(130)));
  try {
    const nodeModules = realpathSync(join(ROOT, 'node_modules'));
    const checkout = ['--volume', `${ROOT}:/opt/rfarm:ro`, '--volume', `${nodeModules}:${nodeModules}:ro`, '--volume', '/usr/bin/node:/usr/bin/node:ro'];
    const boot = async (host: RenderedHost, mounts: string[], units: ServiceHost['options']['units'] = {}) => {
      const image = await ensureDropletImage(mirror, host.cloudConfig.packages, log);
      const service = new ServiceHost({ host, image, hosts: addHosts, mounts, logDir, units, rewrite: rewrite(host) });
      serviceHosts.push(service);
      log(`rehearse: booting ${host.name} (${host.role}) on ${host.loopback}`);
      service.boot();
      return service;
    };
    for (const host of natsHosts) await boot(host, ['--volume', '/usr/sbin/nats-server:/usr/local/bin/nats-server:ro']);
    for (const host of byRole('control-plane')) await boot(host, checkout);
    const controlPlanes = byRole('control-plane');
    balancers.push(
      await startLoadBalancer(
        BALANCERS.controlPlane,
        controlPlanes.map((host) => `${host.loopback}:8080`),
        rendered.tls,
      ),
    );
    balancers.push(
      await startLoadBalancer(
        BALANCERS.sysreqs,
        controlPlanes.map((host) => `${host.loopback}:8081`),
        rendered.tls,
      ),
    );
    for (const host of builders) {
      const builder = new BuilderHost({
        host,
        image: workerImage,
        rootDir: join(work, 'hosts', host.name),
        hosts: addHosts,
        metricsPort: metricsPort.get(host.name)!,
        logDir,
      });
      builderHosts.push(builder);
      builder.boot();
    }
    for (const host of byRole('monitoring')) {
      const args = /ARGS="([^"]*)"/.exec(host.cloudConfig.files.find((file) => file.path === '/etc/default/prometheus')?.content ?? '')?.[1] ?? '';
      await boot(host, [], {
        prometheus: {
          user: 'prometheus',
          execStart: () => `/usr/bin/prometheus --config.file=/etc/prometheus/prometheus.yml ${args} --web.listen-address=${host.loopback}:9090`,
        },
      });
    }
    for (const host of byRole('nat')) {
      log(`rehearse: booting ${host.name} (nat) in a network namespace of its own`);
      rows.push(bootGateway(host, join(work, 'hosts', host.name)));
    }
    for (const host of byRole('logs'))
      rows.push({ area: 'boot', what: `${host.name} (Loki)`, held: null, detail: "Loki and Alloy come from Grafana's apt repository: not reachable here" });

    const adminToken = 'placeholder-admin-token';
    const publicUrl = `https://${names.controlPlane}`;
    const healthy = await waitUntil(
      'the control plane behind the balancer',
      async () => (await fetchThrough(BALANCERS.controlPlane, names.controlPlane, rendered.tls.ca, '/healthz')) === 200,
      120_000,
    );
    rows.push({
      area: 'boot',
      what: `${publicUrl}/healthz through the balancer`,
      held: healthy,
      detail: healthy ? '200' : 'no healthy control plane (see logs)',
    });
    const sysreqsUp = await waitUntil(
      'sysreqs behind its balancer',
      async () => (await fetchThrough(BALANCERS.sysreqs, names.sysreqs, rendered.tls.ca, '/healthz')) === 200,
      60_000,
    );
    rows.push({ area: 'boot', what: `https://${names.sysreqs}/healthz`, held: sysreqsUp, detail: sysreqsUp ? '200' : 'sysreqs not reachable' });
    const workers = async () => {
      const answer = await publicRequest(BALANCERS.controlPlane, names.controlPlane, rendered.tls.ca, 'GET', '/workers', undefined, {
        authorization: `Bearer ${adminToken}`,
        accept: 'application/json',
      });
      const body = JSON.parse(answer.text) as { workers?: unknown[] } | unknown[];
      return Array.isArray(body) ? body : (body.workers ?? []);
    };
    const allUp = await waitUntil('every builder heartbeating', async () => (await workers()).length >= builders.length, 240_000);
    // A pool with no builder here is a failure, not a vacuous "all 0 joined".
    const unbooted = linuxPoolsWithoutBuilder(rendered);
    rows.push({
      area: 'boot',
      what: `${builders.length} Linux builders joined (own NATS user each)`,
      held: allUp && unbooted.length === 0,
      detail:
        unbooted.length > 0
          ? `no builder for ${unbooted.join(', ')}: declared none and no control plane's scaler.env lists its template`
          : allUp
            ? 'all heartbeating'
            : 'some missing (see logs)',
    });

    if (healthy && allUp) {
      const platforms = [...new Set(builders.map((host) => host.platformId!))].filter((id) => !/fedora/.test(id));
      const results = await runScenarios(
        {
          balancer: BALANCERS.controlPlane,
          domain: names.controlPlane,
          ca: rendered.tls.ca,
          adminToken,
          runR: rInContainer(workerImage, addHosts, join(work, 'tls', 'ca.pem')),
          killBuilder: async (platformId) => {
            // Every droplet of the pool: the one running the build is among them (workers share this
            // machine's hostname, so which one it is cannot be told). Restart=always brings them back.
            for (const builder of builderHosts.filter((candidate) => candidate.options.host.platformId === platformId)) builder.kill();
          },
        },
        platforms,
      );
      for (const result of results) rows.push({ area: 'scenario', what: result.name, held: result.held, detail: result.detail });
    }
    const [pool, other] = [...new Set(builders.map((host) => host.platformId!))];
    if (natsHosts[0] && pool && other) {
      rows.push(
        await probeAgentPermissions(natsHosts[0].loopback, names.natsInVpc(1), rendered.tls.ca, rendered.natsAuth.agentCreds[pool], pool, other).catch(
          (error: Error) => ({ area: 'security', what: 'least privilege probe', held: false, detail: error.message }),
        ),
      );
    }
    rows.push(...(await prometheusTargets(byRole('monitoring'), names.metrics, rendered.tls.ca)));
    printReport(rendered, [...serviceHosts.flatMap((host) => host.records), ...builderHosts.flatMap((host) => host.records)], serviceHosts, rows, logDir);
    return rows.some((row) => row.held === false) ? 1 : 0;
  } finally {
    if (!process.argv.includes('--keep')) {
      await teardown();
      rmSync(join(work, 'hosts'), { recursive: true, force: true });
    }
  }
}

async function fetchThrough(balancer: string, hostname: string, ca: string, path: string): Promise<number> {
  return (await publicRequest(balancer, hostname, ca, 'GET', path)).status;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`rehearse: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
