/** Entry point of the worker agent: `npm run agent`. Configuration from the environment (config.ts). */
import { pino } from 'pino';
import { findPlatform, platformOfHost, rVersionOf } from '../index.ts';
import { Agent, describeWorker } from './agent.ts';
import { loadConfig } from './config.ts';
import { createAgentMetrics, serveMetrics } from './metrics-server.ts';
import { readHostFacts } from './host-facts.ts';

const log = pino({ name: 'rfarm-agent' });

async function main(): Promise<void> {
  const config = loadConfig();
  const facts = await readHostFacts();
  const hostPlatform = platformOfHost(facts);
  const platform = config.platform ? (findPlatform(config.platform) ?? (config.platform === hostPlatform.id ? hostPlatform : undefined)) : hostPlatform;
  if (!platform) {
    throw new Error(`FARM_PLATFORM=${config.platform} is neither a catalogue platform nor this host's own (${hostPlatform.id})`);
  }
  const info = describeWorker(config.workerId, `R ${rVersionOf(facts.rVersionLine)}`, `${facts.distribution} ${facts.release}`, facts.cc);
  const metrics = createAgentMetrics();
  const agent = new Agent(config, platform, info, log, metrics);
  await agent.start();
  const metricsServer = config.metricsPort ? serveMetrics(metrics, config.metricsPort, () => agent.healthy) : null;
  // A taken port costs the metrics, not the builds.
  metricsServer?.on('error', (error) => log.error({ err: error, port: config.metricsPort }, 'cannot serve /metrics'));
  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping');
    void agent.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  if (config.ownerPid) {
    const ownerPid = config.ownerPid;
    // Polled: Linux tells a child nothing when a process that is not its parent ends.
    const owner = setInterval(() => {
      if (processExists(ownerPid)) return;
      clearInterval(owner);
      log.warn({ ownerPid }, 'the farm that owns this agent has ended; leaving');
      setTimeout(() => process.exit(0), 10_000).unref();
      shutdown('owner gone');
    }, 1_000);
    owner.unref();
  }
  await agent.stopped;
  await agent.stop();
  metricsServer?.close();
  process.exit(0);
}

/** Whether a process with this pid is running (ours to signal or not). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A stray rejection (NATS away for a moment) must not take the agent and its running build down.
process.on('unhandledRejection', (error) => log.error({ err: error }, 'unhandled rejection'));

main().catch((error: Error) => {
  log.error({ err: error }, error.message);
  console.error(`rfarm agent: ${error.message}`);
  process.exit(1);
});
