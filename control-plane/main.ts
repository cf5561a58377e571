/** Entry point of the control plane: `npm run control-plane`. Configuration from the environment (config.ts). */
import { createServer } from 'node:http';
import { pino } from 'pino';
import { connectFarm } from '../protocol/index.ts';
import { createDeps, createRequestListener } from './app.ts';
import { LatestResultsWatcher } from './badges/index.ts';
import { loadConfig } from './config.ts';
import { createMetrics } from './http/metrics.ts';
import { moveLegacyUploads } from './jobs/legacy-uploads.ts';
import { JobNotifier } from './mail/job-notifier.ts';
import { sweepRetention } from './retention/index.ts';
import { LocalWorkerLauncher } from './workers/local-launcher.ts';

const REQUEUE_EVERY_MS = 60_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ name: 'rfarm-control-plane', level: config.logLevel });
  const farm = await connectFarm({
    servers: config.natsServers,
    credsFile: config.natsCredsFile,
    replicas: config.replicas,
    name: 'rfarm-control-plane',
    storeLimits: config.storeLimits,
  });
  const agentEnv = {
    ...config.hostEnv,
    NATS_URL: config.natsServers.join(','),
    FARM_DATA_DIR: config.dataDir,
    FARM_JETSTREAM_REPLICAS: String(config.replicas),
    ...config.agentEnv,
  };
  // A farm from before the uploads store has its uploads in the artifacts store: agents read them only from theirs.
  const moved = await moveLegacyUploads(farm);
  if (moved > 0) log.info({ moved }, 'moved uploads from the artifacts store to the uploads store');
  const launcher = config.localAgents ? new LocalWorkerLauncher(farm, agentEnv, config.agentCredsDir) : null;
  const deps = createDeps(config, farm, log, createMetrics(), launcher);
  deps.storage.start();
  const server = createServer(
    {
      // A client must send its request (headers, then body) in time, or its connection is closed
      // (slow-body clients otherwise hold connections for ever); checked every second.
      headersTimeout: config.headersTimeoutSeconds * 1000,
      requestTimeout: config.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: 1_000,
    },
    createRequestListener(deps),
  );
  // More connections than this are closed as they arrive.
  server.maxConnections = config.maxConnections;
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    log.info({ port, publicUrl: config.publicUrl }, 'control plane listening');
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const why = error.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is in use (set PORT to another)` : error.message;
    console.error(`rfarm control plane: cannot listen: ${why}`);
    process.exit(1);
  });
  // Longer than clients' and load balancers' idle keep-alive (undici 4 s, DigitalOcean/AWS 60 s), so
  // the server never closes a connection a client is about to reuse ("other side closed").
  server.keepAliveTimeout = 65_000;
  // Builds of publish=true jobs go into the farm's repository as they finish.
  deps.repository.startPublishing().catch((error: Error) => log.error({ err: error }, 'the repository publisher did not start'));
  // Vouched-for builds update the badges as they finish.
  const badgeWatcher = new LatestResultsWatcher(farm.jobs, deps.latestResults, log);
  badgeWatcher.start().catch((error: Error) => log.error({ err: error }, 'the badge watcher did not start'));
  // Accepted GitHub deliveries are prepared and their builds reported, whatever a restart interrupted.
  deps.github?.start().catch((error: Error) => log.error({ err: error }, 'the GitHub integration did not start'));
  // Reverse-dependency runs are prepared, whatever a restart interrupted.
  deps.revdeps.start().catch((error: Error) => log.error({ err: error }, 'reverse-dependency checks did not start'));
  // Jobs submitted with an e-mail address are mailed their result as they end.
  const notifier = deps.mailer ? new JobNotifier(farm.jobs, deps.mailer, config.publicUrl, log) : null;
  notifier?.start().catch((error: Error) => log.error({ err: error }, 'the job notifier did not start'));
  const requeue = () =>
    deps.jobs
      .requeueStranded()
      .then((count) => count > 0 && log.warn({ count }, 'requeued builds a crash had left unqueued'))
      .catch((error: Error) => log.warn({ err: error }, 'requeue scan failed'));
  setTimeout(requeue, 16_000).unref();
  setInterval(requeue, REQUEUE_EVERY_MS).unref();
  // Uploads, artifacts and records of jobs finished long enough ago; output ages out in JetStream.
  // Every control plane sweeps: deleting what another already deleted is harmless.
  const sweep = () =>
    sweepRetention(farm, config.retention)
      .then(
        (report) =>
          (report.uploads + report.artifacts + report.jobs + report.orphanChunks > 0 || report.outputAgeChanged) && log.info(report, 'retention sweep'),
      )
      .catch((error: Error) => log.warn({ err: error }, 'retention sweep failed'));
  setTimeout(sweep, 5_000).unref();
  setInterval(sweep, config.retention.sweepEveryMs).unref();
  const shutdown = async () => {
    server.close();
    server.closeAllConnections();
    notifier?.stop();
    deps.storage.stop();
    await deps.repository.stop();
    badgeWatcher.stop();
    deps.github?.stop();
    deps.revdeps.stop();
    await launcher?.stopAll();
    await farm.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

process.on('unhandledRejection', (error) => console.error('rfarm control plane: unhandled rejection', error));

main().catch((error: Error) => {
  console.error(`rfarm control plane: ${error.message}`);
  process.exit(1);
});
