/**
 * One retention sweep over the farm's JetStream stores (nats-server 2.9 has no per-message TTL):
 * - console output: the output stream's `max_age`, which JetStream enforces itself; the sweep
 *   only keeps it equal to the setting;
 * - uploads and artifacts (each in its own object store): entries of finished jobs, deleted once
 *   the job has been finished longer than their setting (an upload with no job record and no
 *   submission marker — what a failed submission leaves — once it is older than the uploads
 *   setting);
 * - chunks that no object's metadata names (what a put the store refused part-way left, or a
 *   replaced object's, when its writer could not purge them), once an hour old;
 * - records: a finished job's job and build records are purged after theirs, and with them
 *   whatever of the job is left.
 * A job with any build not in a terminal state keeps everything, however old: accepted work is
 * never swept. The repository's store is not touched.
 */
import type { ObjectStore } from '@nats-io/obj';
import {
  ARTIFACTS_BUCKET,
  decode,
  isTerminal,
  keys,
  purgeOrphanChunks,
  setOutputMaxAge,
  UPLOADS_BUCKET,
  type BuildRecord,
  type FarmConnection,
  type JobRecord,
} from '../../protocol/index.ts';
import type { RetentionSettings } from './retention-settings.ts';

/** Chunks no object names are purged once their last chunk is this old: no put still writes them. */
const ORPHAN_CHUNK_AGE_MS = 60 * 60 * 1000;

/** What one sweep removed. */
export interface SweepReport {
  readonly uploads: number;
  readonly artifacts: number;
  readonly jobs: number;
  /** Objects whose chunks no metadata named any more (a refused or replaced put's), purged. */
  readonly orphanChunks: number;
  /** Whether the output stream's max_age was changed to the setting. */
  readonly outputAgeChanged: boolean;
}

/**
 * When a job finished (its latest build's end), or null while any build is not terminal. A
 * terminal build without an end time counts from `submittedAt`, never from the epoch.
 */
export function finishedAt(builds: readonly (BuildRecord | null)[], submittedAt: string): number | null {
  let latest = Date.parse(submittedAt) || Date.now();
  for (const build of builds) {
    if (!build || !isTerminal(build.status)) return null;
    if (build.finishedAt) latest = Math.max(latest, Date.parse(build.finishedAt));
  }
  return latest;
}

/** The job an object belongs to and what it is, from its name (objectNames). */
export function objectOwner(name: string): { readonly jobId: string; readonly kind: 'upload' | 'artifact' } | null {
  const upload = /^upload\/([^/]+)\.tar\.gz$/.exec(name);
  if (upload) return { jobId: upload[1], kind: 'upload' };
  const artifact = /^artifacts\/([^/]+)\//.exec(name);
  return artifact ? { jobId: artifact[1], kind: 'artifact' } : null;
}

/** An object of a job, in the store (uploads or artifacts) that holds it. */
interface StoredObject {
  readonly store: ObjectStore;
  readonly name: string;
  readonly kind: 'upload' | 'artifact';
  readonly mtime: number;
}

async function record<T>(farm: Pick<FarmConnection, 'jobs'>, key: string): Promise<T | null> {
  const entry = await farm.jobs.get(key);
  return entry && entry.operation === 'PUT' && entry.value.length > 0 ? decode<T>(entry.value) : null;
}

/** Runs one sweep at `now`. */
export async function sweepRetention(
  farm: Pick<FarmConnection, 'jobs' | 'uploads' | 'artifacts' | 'jsm'>,
  settings: RetentionSettings,
  now = Date.now(),
): Promise<SweepReport> {
  const outputAgeChanged = await setOutputMaxAge(farm, settings.outputMs);
  const byJob = new Map<string, StoredObject[]>();
  for (const store of [farm.uploads, farm.artifacts]) {
    for (const info of await store.list()) {
      const owner = info.deleted ? null : objectOwner(info.name);
      if (!owner) continue;
      const list = byJob.get(owner.jobId) ?? [];
      list.push({ store, name: info.name, kind: owner.kind, mtime: Date.parse(info.mtime) });
      byJob.set(owner.jobId, list);
    }
  }
  const jobIds: string[] = [];
  for await (const key of await farm.jobs.keys(keys.job('*'))) jobIds.push(key.slice(keys.job('').length));
  let uploads = 0;
  let artifacts = 0;
  let jobs = 0;
  const remove = async (entry: StoredObject) => {
    await entry.store.delete(entry.name);
    if (entry.kind === 'upload') uploads++;
    else artifacts++;
  };
  for (const jobId of jobIds) {
    const job = await record<JobRecord>(farm, keys.job(jobId));
    if (!job) continue;
    const builds = await Promise.all(job.platforms.map((platform) => record<BuildRecord>(farm, keys.build(jobId, platform))));
    const finished = finishedAt(builds, job.submittedAt);
    const owned = byJob.get(jobId) ?? [];
    byJob.delete(jobId);
    if (finished === null) continue;
    const age = now - finished;
    for (const entry of owned) {
      if (age > settings.recordsMs || (entry.kind === 'upload' ? age > settings.uploadsMs : age > settings.artifactsMs)) await remove(entry);
    }
    if (age > settings.recordsMs) {
      for (const platform of job.platforms) await farm.jobs.purge(keys.build(jobId, platform));
      await farm.jobs.purge(keys.job(jobId));
      jobs++;
    }
  }
  // Objects of no job: a submission that failed before its record was written, or a job already purged.
  for (const [jobId, owned] of byJob) {
    if (await record(farm, keys.submission(jobId))) continue;
    for (const entry of owned) if (now - entry.mtime > settings.uploadsMs) await remove(entry);
  }
  // Agents write artifacts without purging; the uploads store is swept too, for what a refused put left.
  const orphanChunks =
    (await purgeOrphanChunks(farm, farm.artifacts, ARTIFACTS_BUCKET, ORPHAN_CHUNK_AGE_MS, now)) +
    (await purgeOrphanChunks(farm, farm.uploads, UPLOADS_BUCKET, ORPHAN_CHUNK_AGE_MS, now));
  return { uploads, artifacts, jobs, orphanChunks, outputAgeChanged };
}
