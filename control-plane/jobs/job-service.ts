/**
 * Jobs as JetStream keeps them: submitting (upload → records → queue), reading, cancelling.
 * The order of writes is what makes a crash safe: a submission marker; then, at once, the upload,
 * the build records and the job record; then the queue messages; then the marker goes. A job is
 * complete when all three of the middle writes landed (nobody but the submitter knows its id, and
 * only after they have). `requeueStranded` looks only at markers: it finishes complete jobs and
 * removes the rest.
 */
import { randomBytes } from 'node:crypto';
import {
  encode,
  isTerminal,
  isWrongLastSequence,
  keys,
  newBuildRecord,
  objectNames,
  UPLOADS_BUCKET,
  writeNewObject,
  publishOutput,
  readRecord,
  retryTransient,
  sendCancel,
  updateRecord,
  changeRecord,
  type BuildRecord,
  type FarmConnection,
  type JobRecord,
  type PlatformStats,
  type SubmissionMarker,
  type SubmittedVersion,
  type Versioned,
} from '../../protocol/index.ts';
import { errors } from '../errors.ts';
import type { PackageArchive } from '../uploads/package-archive.ts';
import { BuildQueue } from './build-queue.ts';

export interface Submission {
  readonly archive: PackageArchive;
  readonly data: Uint8Array;
  readonly platforms: readonly string[];
  readonly email: string | null;
  readonly checkArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly publish: boolean;
  /** Check the package's reverse dependencies on this platform (control-plane/revdeps/). */
  readonly revdeps?: { readonly platform: string } | null;
  /** A reverse dependency's check against a submitted version (the agent installs it first). */
  readonly against?: SubmittedVersion | null;
}

/** A job with its builds, in the job's platform order. */
export interface JobSnapshot {
  readonly job: JobRecord;
  readonly builds: BuildRecord[];
}

export interface QueuePosition {
  readonly position: number;
  readonly medianSeconds: number | null;
}

const JOB_ID = /^[0-9a-f]{32}$/;

/**
 * Creates a record under a fresh key; a retry that finds it already there finds our own write.
 * Returns the record's revision, or null when that retry cannot say it.
 */
async function createOnce<T>(farm: FarmConnection, key: string, value: T): Promise<number | null> {
  return retryTransient(() =>
    farm.jobs.create(key, encode(value)).catch((error: unknown) => {
      if (!isWrongLastSequence(error)) throw error;
      return null;
    }),
  );
}
const FINISHED_CACHE_SIZE = 2_000;

export class JobService {
  private readonly finished = new Map<string, JobSnapshot>();
  private readonly queue: BuildQueue;

  constructor(private readonly farm: FarmConnection) {
    this.queue = new BuildQueue(farm);
  }

  /** A fresh job id: 128 random bits. */
  static newId(): string {
    return randomBytes(16).toString('hex');
  }

  async submit(submission: Submission, id = JobService.newId()): Promise<JobSnapshot> {
    const now = new Date().toISOString();
    const marker: SubmissionMarker = { jobId: id, platforms: [...submission.platforms], startedAt: now };
    const marked = createOnce(this.farm, keys.submission(id), marker);
    // Each write is retried through a NATS restart or leader election; each is safe to repeat.
    // The upload's chunks go out with the marker (chunks no object names are swept, object-chunks.ts);
    // its metadata, which names it, and the build records follow the marker. The job record makes
    // the job visible, so it waits for all of them.
    // A fresh job id names no object yet: written without nats.js's look for an old one (object-access.ts).
    const named = marked.then(
      () => undefined,
      () => Promise.reject(new Error(`the submission marker of job ${id} could not be written`)),
    );
    const upload = retryTransient(() => writeNewObject(this.farm, UPLOADS_BUCKET, objectNames.upload(id), submission.data, named));
    const builds = submission.platforms.map((platform) => newBuildRecord(id, platform, now));
    const created = marked.then(() => Promise.all(builds.map((build) => createOnce(this.farm, keys.build(id, build.platform), build))));
    const job: JobRecord = {
      id,
      package: submission.archive.packageName,
      version: submission.archive.version,
      platforms: [...submission.platforms],
      email: submission.email,
      checkArgs: [...submission.checkArgs],
      env: { ...submission.env },
      submittedAt: now,
      uploadSize: submission.data.length,
      publish: submission.publish,
      prebuilt: submission.archive.prebuilt,
      description: submission.archive.description,
      cancelledAt: null,
      ...(submission.revdeps ? { revdeps: submission.revdeps } : {}),
      ...(submission.against ? { against: submission.against } : {}),
    };
    // The job record goes out beside the upload's name and the build records rather than after
    // them (one round trip less before the queue): until the queue messages, nobody but this
    // submission has the id, and a crash in between leaves an incomplete job that
    // `requeueStranded` removes like one that never became visible.
    const jobCreated = marked.then(() => createOnce(this.farm, keys.job(id), job));
    const [, revisions] = await Promise.all([upload, created, jobCreated]);
    const queued = await Promise.all(builds.map((build, index) => retryTransient(() => this.enqueue(job, build, revisions[index] ?? null))));
    await retryTransient(() => this.farm.jobs.purge(keys.submission(id)));
    return { job, builds: queued };
  }

  /**
   * Publishes a build's queue message (idempotent by message id), carrying the job and the build as
   * created at `createdAt` so an idle agent can start it without reading them, then marks it QUEUED
   * unless an agent has started it already. The mark reads the record first rather than writing
   * from `createdAt`: an agent writing from the revision its message carries then rarely meets a
   * QUEUED it would have to read again.
   */
  private async enqueue(job: JobRecord, build: BuildRecord, createdAt: number | null): Promise<BuildRecord> {
    const carried = createdAt === null ? {} : { job, build, buildRevision: createdAt };
    const queued = await this.queue.publish(build, { jobId: build.jobId, platform: build.platform, ...carried });
    const queuedAt = new Date().toISOString();
    const update = { status: 'QUEUED' as const, queueSequence: queued.sequence, queueRank: queued.rank, queuedAt };
    const stored = await changeRecord<BuildRecord>(this.farm.jobs, keys.build(build.jobId, build.platform), (current) =>
      current.status === 'SUBMITTED' ? { ...current, ...update } : null,
    );
    return stored?.value ?? { ...build, ...update };
  }

  /**
   * A job just submitted, as it is now: only its builds are read again (an idle worker may have
   * started one). Its job record cannot have changed: nobody but the submitter has its id yet.
   */
  async refreshed(snapshot: JobSnapshot): Promise<JobSnapshot> {
    const { job } = snapshot;
    const builds = await Promise.all(job.platforms.map((platform) => readRecord<BuildRecord>(this.farm.jobs, keys.build(job.id, platform))));
    return { job, builds: builds.map((build, index) => build?.value ?? snapshot.builds[index]!) };
  }

  /** The job and its builds; 404 for an unknown id. */
  async get(id: string): Promise<JobSnapshot> {
    if (!JOB_ID.test(id)) throw errors.jobNotFound(id);
    const cached = this.finished.get(id);
    if (cached) return cached;
    const job = await readRecord<JobRecord>(this.farm.jobs, keys.job(id));
    if (!job) throw errors.jobNotFound(id);
    const builds = await Promise.all(job.value.platforms.map((platform) => readRecord<BuildRecord>(this.farm.jobs, keys.build(id, platform))));
    const snapshot = { job: job.value, builds: builds.filter((build) => build !== null).map((build) => build.value) };
    this.remember(snapshot);
    return snapshot;
  }

  /** Whether this snapshot is the cached, final one (it will not change). */
  isCached(snapshot: JobSnapshot): boolean {
    return this.finished.get(snapshot.job.id) === snapshot;
  }

  /**
   * Finished jobs no longer change, and status pages and CI poll them hard: keep the newest in
   * memory. A cancelled build may still receive its artifacts for a moment, so it waits a minute.
   */
  private remember(snapshot: JobSnapshot): void {
    const settled = snapshot.builds.every(
      (build) => isTerminal(build.status) && (build.status !== 'CANCELLED' || Date.now() - Date.parse(build.finishedAt ?? '') > 60_000),
    );
    if (!settled || snapshot.builds.length !== snapshot.job.platforms.length) return;
    this.finished.set(snapshot.job.id, snapshot);
    if (this.finished.size > FINISHED_CACHE_SIZE) this.finished.delete(this.finished.keys().next().value!);
  }

  /** One build of a job; `platform` may be left out when the job has just one. */
  async build(id: string, platform: string | undefined): Promise<{ job: JobRecord; build: BuildRecord }> {
    const snapshot = await this.get(id);
    const chosen = platform ?? (snapshot.builds.length === 1 ? snapshot.builds[0].platform : undefined);
    const build = snapshot.builds.find((candidate) => candidate.platform === chosen);
    if (!build) {
      if (!platform) throw errors.invalidRequest(`job '${id}' has several builds; name one with ?platform= (${snapshot.job.platforms.join(', ')})`);
      throw errors.buildNotFound(id, platform, snapshot.job.platforms);
    }
    return { job: snapshot.job, build };
  }

  /** Cancels every unfinished build: queued ones never start, running ones are killed by their agent. */
  async cancel(id: string): Promise<JobSnapshot> {
    const snapshot = await this.get(id);
    const now = new Date().toISOString();
    await updateRecord<JobRecord>(this.farm.jobs, keys.job(id), (job) => (job.cancelledAt ? null : { ...job, cancelledAt: now }));
    for (const build of snapshot.builds) {
      let previous: BuildRecord | null = null;
      await updateRecord<BuildRecord>(this.farm.jobs, keys.build(id, build.platform), (current) => {
        previous = current;
        return isTerminal(current.status) ? null : { ...current, status: 'CANCELLED', reason: 'cancelled by request', finishedAt: now };
      });
      const before = previous as BuildRecord | null;
      // Nobody runs a queued build, so nobody else would end its output.
      if (before && !isTerminal(before.status) && before.status !== 'RUNNING') {
        await publishOutput(this.farm, id, build.platform, { attempt: before.attempt, text: '>>> rfarm: CANCELLED before it started\n', end: 'CANCELLED' });
      }
    }
    for (const build of snapshot.builds) sendCancel(this.farm, id, build.platform);
    return this.get(id);
  }

  /** How many builds are ahead of this one on its platform, and how long builds there take. */
  async queuePosition(build: BuildRecord): Promise<QueuePosition> {
    const [stats, position] = await Promise.all([readRecord<PlatformStats>(this.farm.jobs, keys.platformStats(build.platform)), this.queue.position(build)]);
    const durations = [...(stats?.value.durationsSeconds ?? [])].sort((a, b) => a - b);
    const medianSeconds = durations.length ? durations[Math.floor(durations.length / 2)] : null;
    return { position, medianSeconds };
  }

  /**
   * Finishes submissions a crash interrupted, found by their markers (so the cost follows the
   * crashes, not the number of builds ever made). A complete job gets its SUBMITTED builds queued
   * (publishing again is safe: the message id dedupes, agents skip finished builds); a submission
   * that never became complete (no job record, no named upload, or a build record missing) is
   * removed, job record and all, long after any writer could still be at it.
   */
  async requeueStranded(visibleAfterMs = 15_000, abandonedAfterMs = 10 * 60_000): Promise<number> {
    let requeued = 0;
    const names: string[] = [];
    for await (const key of await this.farm.jobs.keys(keys.allSubmissions)) names.push(key);
    for (const key of names) {
      const marker = await readRecord<SubmissionMarker>(this.farm.jobs, key);
      if (!marker) continue;
      const age = Date.now() - Date.parse(marker.value.startedAt);
      const job = await readRecord<JobRecord>(this.farm.jobs, keys.job(marker.value.jobId));
      const builds = job ? await this.completeBuilds(marker.value) : null;
      if (job && builds && age >= visibleAfterMs) {
        for (const build of builds) {
          if (build.value.status !== 'SUBMITTED') continue;
          await this.enqueue(job.value, build.value, build.revision);
          requeued++;
        }
      } else if (!builds && age >= abandonedAfterMs) {
        // Never answered 2xx, never complete: it stays absent, and its pieces go.
        await this.farm.uploads.delete(objectNames.upload(marker.value.jobId)).catch(() => undefined);
        for (const platform of marker.value.platforms) await this.farm.jobs.purge(keys.build(marker.value.jobId, platform));
        if (job) await this.farm.jobs.purge(keys.job(marker.value.jobId));
      } else {
        continue;
      }
      await this.farm.jobs.purge(key);
    }
    return requeued;
  }

  /**
   * A marked submission's build records, when its upload is named and they all exist (its job
   * record is read by the caller); null when it is incomplete.
   */
  private async completeBuilds(marker: SubmissionMarker): Promise<Versioned<BuildRecord>[] | null> {
    const upload = await this.farm.uploads.info(objectNames.upload(marker.jobId));
    if (!upload || upload.deleted) return null;
    const builds = await Promise.all(marker.platforms.map((platform) => readRecord<BuildRecord>(this.farm.jobs, keys.build(marker.jobId, platform))));
    return builds.every((build) => build !== null) ? builds : null;
  }
}
