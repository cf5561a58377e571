/**
 * The backup service's NATS role (protocol/permissions.ts `backupPermissions`) on a real
 * nats-server in operator mode: it snapshots the farm's streams into the S3 stand-in, and the
 * server refuses it every write, change and deletion.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backupFarm } from '../../backup/farm-backup.ts';
import { S3Archive } from '../../backup/s3-archive.ts';
import { BACKUP_INBOX_PREFIX, BUILDS_STREAM, connectFarm, encode, JOBS_BUCKET, keys, subjects } from '../../protocol/index.ts';
import { issueBackupCreds } from '../../scripts/nats-auth.ts';
import { prepareLocalNatsAuth } from '../../scripts/local-nats-auth.ts';
import { startNats } from '../../scripts/nats-server.ts';
import { refused } from '../support/nats-refusal.ts';
import { s3StandIn } from './s3-stand-in.ts';

process.env.AWS_ACCESS_KEY_ID = 'stand-in-key';
process.env.AWS_SECRET_ACCESS_KEY = 'stand-in-secret';
const dir = mkdtempSync(join(tmpdir(), 'rfarm-backup-permissions-'));
const auth = await prepareLocalNatsAuth(dir, []);
const backupCreds = join(auth.dir, 'backup.creds');
writeFileSync(backupCreds, await issueBackupCreds(JSON.parse(readFileSync(join(auth.dir, 'keys.json'), 'utf8'))), { mode: 0o600 });
const [node] = await startNats(dir, 1, undefined, auth.settings);
const controlPlane = await connectFarm({ servers: [node.url], credsFile: auth.controlPlaneCreds, replicas: 1, name: 'backup-permissions-control-plane' });
await controlPlane.jobs.put(keys.job('j1'), encode({ id: 'j1' }));
const backup = await connect({
  servers: [node.url],
  authenticator: credsAuthenticator(readFileSync(backupCreds)),
  inboxPrefix: BACKUP_INBOX_PREFIX,
  reconnect: false,
});
const s3 = await s3StandIn('backups');

test.after(async () => {
  s3.server.close();
  await backup.close();
  await controlPlane.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the backup user snapshots every farm stream with its own role', async () => {
  const manifest = await backupFarm(
    backup,
    new S3Archive({ endpoint: s3.endpoint, region: 'fra1', bucket: 'backups', prefix: 'p/' }),
    new Date(),
    BACKUP_INBOX_PREFIX,
  );
  assert.ok(manifest.streams.some((stream) => stream.config.name === `KV_${JOBS_BUCKET}`));
  assert.ok(manifest.streams.some((stream) => stream.config.name === BUILDS_STREAM));
});

test('the backup user cannot write, purge or delete anything, nor read records directly', async () => {
  const jsm = await jetstreamManager(backup);
  const js = jetstream(backup);
  await refused(() => jsm.streams.delete(BUILDS_STREAM));
  await refused(() => jsm.streams.purge(`KV_${JOBS_BUCKET}`));
  await refused(() => js.publish(subjects.buildQueue('r-release-linux-x86_64'), encode({})));
  await refused(() => js.publish(`$KV.${JOBS_BUCKET}.${keys.job('j1')}`, encode({ forged: true })));
  await refused(() => jsm.streams.getMessage(`KV_${JOBS_BUCKET}`, { seq: 1 }));
});

test.run();
