/**
 * `createApp(deps)`: the control plane's Koa app, not listening; `createRequestListener(deps)`: that app
 * behind the answers ready in memory (http/ready-answers.ts), what main.ts listens with.
 */
import type { RequestListener } from 'node:http';
import { join } from 'node:path';
import Koa from 'koa';
import type { Logger } from 'pino';
import { NatsAvailability, type FarmConnection } from '../protocol/index.ts';
import { LatestResults } from './badges/index.ts';
import type { AppDeps } from './app-deps.ts';
import type { ControlPlaneConfig } from './config.ts';
import { GitHubIntegration } from './github/index.ts';
import { StorageGuard } from './health/storage-guard.ts';
import { errorHandler } from './http/error-handler.ts';
import { exactRoute } from './http/exact-route.ts';
import type { ControlPlaneMetrics } from './http/metrics.ts';
import { OpenApiValidator } from './http/openapi-validator.ts';
import { answerReadyFirst } from './http/ready-answers.ts';
import { responseHeaders } from './http/response-headers.ts';
import { UploadGate } from './http/upload-gate.ts';
import { JobService } from './jobs/job-service.ts';
import { OutputReader } from './jobs/output-reader.ts';
import { Mailer } from './mail/mailer.ts';
import { PlatformDirectory } from './platforms/platform-directory.ts';
import { FarmRepository } from './repository/index.ts';
import { RevdepChecks } from './revdeps/index.ts';
import { rhubRoutes } from './rhub/rhub-routes.ts';
import { badgeRoutes } from './routes/badges.ts';
import { githubRoutes } from './routes/github.ts';
import { jobInfoRoute, jobRoutes, readyJobInfo } from './routes/jobs.ts';
import { operationsRoutes } from './routes/operations.ts';
import { pageRoutes } from './routes/pages.ts';
import { platformRoutes } from './routes/platforms.ts';
import { repositoryRoutes } from './routes/repository.ts';
import { summaryRoutes } from './routes/summaries.ts';
import { uploadLimits } from './uploads/index.ts';
import { workerRoutes } from './routes/workers.ts';
import type { WorkerLauncher } from './workers/local-launcher.ts';
import { WorkerRegistry } from './workers/worker-registry.ts';

export type { AppDeps } from './app-deps.ts';

/** Builds the default collaborators around a farm connection. */
export function createDeps(
  config: ControlPlaneConfig,
  farm: FarmConnection,
  log: Logger,
  metrics: ControlPlaneMetrics,
  launcher: WorkerLauncher | null,
): AppDeps {
  const workers = new WorkerRegistry(farm);
  const jobs = new JobService(farm);
  const platforms = new PlatformDirectory(workers, config.defaultPlatforms);
  const latestResults = new LatestResults(farm, config.replicas);
  const repository = new FarmRepository(
    farm,
    { replicas: config.replicas, mirrorDir: join(config.dataDir, 'repository-mirror'), rscript: config.rscript, publishStatuses: config.publishStatuses },
    log,
  );
  const revdeps = new RevdepChecks({
    farm,
    replicas: config.replicas,
    jobs,
    readFarmRepository: async (path) => (await repository.read(path))?.data ?? null,
    repositories: config.rRepos,
    publicUrl: config.publicUrl,
    limits: uploadLimits(config),
    log,
  });
  return {
    config,
    farm,
    log,
    metrics,
    launcher,
    validator: new OpenApiValidator(),
    jobs,
    output: new OutputReader(farm),
    workers,
    platforms,
    uploads: new UploadGate({ maxUploads: config.uploadConcurrency, maxBytes: config.uploadBufferBytes }),
    nats: new NatsAvailability(farm),
    storage: new StorageGuard(
      farm,
      {
        dirs: config.storeDirs,
        minFreeBytes: config.minFreeStoreBytes,
        refusePercent: config.storeRefusePercent,
        reservePerBuildBytes: config.storeReservePerBuildBytes,
      },
      log,
    ),
    mailer: config.smtpUrl ? new Mailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }) : null,
    repository,
    revdeps,
    latestResults,
    github: config.github
      ? new GitHubIntegration({
          config: config.github,
          farm,
          replicas: config.replicas,
          jobs,
          platforms,
          latestResults,
          limits: uploadLimits(config),
          publicUrl: config.publicUrl,
          log,
        })
      : null,
  };
}

/** What the HTTP server runs: ready answers (a finished job's status) first, then the app. */
export function createRequestListener(deps: AppDeps): RequestListener {
  return answerReadyFirst([readyJobInfo(deps)], deps.metrics.requests, createApp(deps).callback());
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: true });
  app.silent = true;
  // Ready answers (http/ready-answers.ts) never reach this app: what is added here for every request
  // (headers, metrics) must be done there too, or their route left out of createRequestListener.
  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      deps.metrics.requests.observe({ method: ctx.method, route, status: String(ctx.status) }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });
  app.use(responseHeaders());
  app.use(errorHandler(deps.log));
  // Status polling, the bulk of the traffic, without the routers' work per request; other shapes of it go on to them.
  app.use(exactRoute(jobInfoRoute(deps)));
  // The job routes first: they are the hot path (status polling) and share no path with the others.
  // Then pages: /platforms and /workers answer browsers with HTML and pass everyone else on.
  // Before the pages the r-hub 1.x API, whose /status/<r-hub id> redirects pass rfarm's job ids on.
  for (const router of [
    jobRoutes(deps),
    summaryRoutes(deps),
    rhubRoutes(deps),
    pageRoutes(deps),
    operationsRoutes(deps),
    platformRoutes(deps),
    workerRoutes(deps),
    repositoryRoutes(deps),
    badgeRoutes(deps),
    githubRoutes(deps),
  ]) {
    app.use(router.routes());
    // A wrong method leaves 405 (or 501) and an Allow header; the one error middleware turns that into a catalogued error naming the right method.
    app.use(router.allowedMethods());
  }
  return app;
}
