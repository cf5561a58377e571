/**
 * A farm backup: every JetStream stream of the farm's account (records, queue, output, uploads, artifacts,
 * the repository; not the workers' heartbeats, which mean nothing after a restore) snapshotted
 * by the server and stored as `<id>/<stream>.snapshot`, then `<id>/manifest.json` with each
 * stream's config and state. A backup exists once its manifest does; older ones beyond `keep`
 * are deleted. A restore reads a manifest and restores each stream into a server where it does
 * not exist yet (a fresh one).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { NatsConnection } from '@nats-io/transport-node';
import { WORKERS_KV_STREAM } from '../protocol/index.ts';
import { restoreStream, snapshotStream, streamNames, type StreamSnapshotMeta } from './jetstream-snapshot.ts';
import type { S3Archive } from './s3-archive.ts';

/** What a backup holds. */
export interface BackupManifest {
  readonly id: string;
  readonly takenAt: string;
  readonly streams: readonly StreamSnapshotMeta[];
}

/** Streams never backed up. */
export const NOT_BACKED_UP: readonly string[] = [WORKERS_KV_STREAM];

/** A backup id from a time: sortable, and safe in an object key. */
export function backupId(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Takes one backup; returns its manifest. */
export async function backupFarm(nc: NatsConnection, archive: S3Archive, now = new Date(), inboxPrefix = '_INBOX'): Promise<BackupManifest> {
  const id = backupId(now);
  const scratch = await mkdtemp(join(tmpdir(), 'rfarm-backup-'));
  try {
    const streams: StreamSnapshotMeta[] = [];
    for (const stream of (await streamNames(nc)).filter((name) => !NOT_BACKED_UP.includes(name)).sort()) {
      const file = join(scratch, `${stream}.snapshot`);
      const out = createWriteStream(file);
      const meta = await snapshotStream(
        nc,
        stream,
        async (chunk) => {
          if (!out.write(chunk)) await once(out, 'drain');
        },
        inboxPrefix,
      );
      out.end();
      await once(out, 'finish');
      await archive.putFile(`${id}/${stream}.snapshot`, file);
      await rm(file);
      streams.push(meta);
    }
    const manifest: BackupManifest = { id, takenAt: now.toISOString(), streams };
    await archive.putText(`${id}/manifest.json`, JSON.stringify(manifest));
    return manifest;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Ids of the complete backups (those with a manifest), oldest first. */
export async function listBackups(archive: S3Archive): Promise<string[]> {
  return (await archive.list(''))
    .filter((name) => name.endsWith('/manifest.json'))
    .map((name) => name.slice(0, -'/manifest.json'.length))
    .sort();
}

/** Deletes every complete backup but the newest `keep`; returns the ids deleted. */
export async function pruneBackups(archive: S3Archive, keep: number): Promise<string[]> {
  const ids = await listBackups(archive);
  const old = ids.slice(0, Math.max(0, ids.length - keep));
  for (const id of old) {
    // The manifest first: a half-deleted backup is never taken for a complete one.
    await archive.delete(`${id}/manifest.json`);
    for (const name of await archive.list(`${id}/`)) await archive.delete(name);
  }
  return old;
}

/** Restores backup `id` (default: the newest) into the server behind `nc`; returns its manifest. */
export async function restoreFarm(nc: NatsConnection, archive: S3Archive, id?: string): Promise<BackupManifest> {
  const chosen = id ?? (await listBackups(archive)).at(-1);
  if (!chosen) throw new Error('the bucket holds no complete backup of this farm (no <id>/manifest.json under the prefix)');
  const manifest = JSON.parse(await archive.getText(`${chosen}/manifest.json`)) as BackupManifest;
  for (const meta of manifest.streams) await restoreStream(nc, meta, await archive.get(`${chosen}/${meta.config.name}.snapshot`));
  return manifest;
}
