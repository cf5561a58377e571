/** Entry point of `npm run sysreqs`: the sysreqs service alone on PORT (default 8081). */
import { pino } from 'pino';
import { loadConfig } from './config.ts';
import { startSysreqsServer } from './server.ts';

const config = loadConfig();
const logger = pino({ name: 'sysreqs', level: config.logLevel });
const running = await startSysreqsServer({
  port: config.port,
  host: config.host,
  rulesDir: config.rulesDir,
  repository: config.repository,
  contentsIndex: config.contentsIndex,
  logger,
}).catch((error: NodeJS.ErrnoException) => {
  const why = error.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is in use (set PORT to another)` : error.message;
  console.error(`rfarm sysreqs: cannot start: ${why}`);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'sysreqs shutting down');
    running.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'sysreqs did not close cleanly');
        process.exit(1);
      },
    );
  });
}
