/**
 * The backup service: `npm run backup` takes a backup every BACKUP_INTERVAL_HOURS (the first at
 * start) and keeps the newest BACKUP_KEEP; `npm run backup -- restore [id]` restores backup `id`
 * (default: the newest) into the NATS server of NATS_URL, where the farm's streams must not exist
 * yet (a fresh server: start it, restore, then start the farm). Configuration: config.ts.
 */
import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import pino from 'pino';
import { BACKUP_INBOX_PREFIX } from '../protocol/index.ts';
import { loadConfig } from './config.ts';
import { backupFarm, pruneBackups, restoreFarm } from './farm-backup.ts';
import { S3Archive } from './s3-archive.ts';

const log = pino({ name: 'rfarm-backup' });
const config = loadConfig();
const archive = new S3Archive({ endpoint: config.endpoint, region: config.region, bucket: config.bucket, prefix: config.prefix });
const nc = await connect({
  servers: config.natsServers,
  name: 'rfarm-backup',
  authenticator: config.natsCredsFile ? credsAuthenticator(await readFile(config.natsCredsFile)) : undefined,
  inboxPrefix: BACKUP_INBOX_PREFIX,
  maxReconnectAttempts: -1,
  waitOnFirstConnect: true,
});

const [command, id] = process.argv.slice(2);
if (command === 'restore') {
  const manifest = await restoreFarm(nc, archive, id);
  log.info({ id: manifest.id, streams: manifest.streams.map((stream) => stream.config.name) }, 'restored');
  console.log(`restored backup ${manifest.id} (${manifest.streams.length} streams) into ${config.natsServers.join(',')}`);
  await nc.drain();
} else if (command !== undefined) {
  console.error(`usage: npm run backup [-- restore [backup-id]]  (got '${command}')`);
  process.exit(2);
} else {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));
  while (!stopping) {
    try {
      const manifest = await backupFarm(nc, archive, new Date(), BACKUP_INBOX_PREFIX);
      const pruned = await pruneBackups(archive, config.keep);
      log.info({ id: manifest.id, streams: manifest.streams.length, pruned }, 'backup taken');
    } catch (error) {
      log.error({ err: error }, 'backup failed');
    }
    const until = Date.now() + config.intervalHours * 3_600_000;
    while (!stopping && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, until - Date.now())));
  }
  await nc.drain();
}
