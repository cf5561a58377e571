/**
 * Publishing a finished build into the farm's repository. The control plane publishes (not the
 * agent): it already holds the build's artifacts in the object store, it is where the admin's
 * `publish=true` was checked, and it is the one place that needs R to index. Everything happens
 * under the repository lock: at most one writer regenerates an index at a time.
 *
 * A version belongs to the job that first published it (a KV entry created only if absent): the
 * same job may add binaries for more platforms later; any other job is refused.
 */
import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { findPlatform } from '../../images/index.ts';
import {
  decode,
  encode,
  isTerminal,
  keys,
  artifactObjectName,
  readRecord,
  type ArtifactRecord,
  type BuildRecord,
  type CheckStatus,
  type JobRecord,
} from '../../protocol/index.ts';
import { FarmError, errors } from '../errors.ts';
import type { PackageIndexer } from './package-indexer.ts';
import { binaryPlace, isBinaryArtifact, sourcePlace, type BinaryPlatform, type RepositoryPlace } from './repository-layout.ts';
import type { RepositoryLock } from './repository-lock.ts';
import type { RepositoryStorage } from './repository-storage.ts';

/** What became of publishing one build. */
export interface PublicationRecord {
  readonly jobId: string;
  readonly platform: string;
  readonly status: 'published' | 'refused' | 'failed';
  /** Why it was refused or failed. */
  readonly reason: string | null;
  /** Repository paths of the files this build put there (or found there from the same job). */
  readonly files: readonly string[];
  readonly at: string;
}

/** Who owns a published version. */
interface VersionClaim {
  readonly jobId: string;
  readonly at: string;
}

/** Where the publisher reads and writes. */
export interface PublisherStores {
  /** The farm's jobs bucket (job and build records). */
  readonly jobs: KV;
  /** The farm's object store (build artifacts). */
  readonly artifacts: ObjectStore;
  /** The repository's own KV bucket (claims, publications, the lock). */
  readonly repository: KV;
}

export const publicationKey = (jobId: string, platform: string) => `publication.${jobId}.${platform}`;
const claimKey = (packageName: string, version: string) => `version.${packageName}_${version}`;

/** The facts that place a build's binary, from the catalogue or, for a local host, its worker. */
export function binaryPlatformOf(build: BuildRecord): BinaryPlatform | null {
  if (!build.worker) return null;
  const known = findPlatform(build.platform);
  const os = known?.os ?? (['windows', 'macos', 'solaris'] as const).find((name) => build.platform.includes(`-${name}`)) ?? 'linux';
  const arch = known?.arch ?? (/arm64|aarch64/.test(build.platform) ? 'arm64' : 'x86_64');
  // The distribution the worker really ran, rather than the catalogue's (e.g. "testing").
  const [name = 'linux', release = 'unknown'] = build.worker.distribution.split(' ');
  return { os, arch, distribution: { name, release }, rVersion: build.worker.rVersion };
}

export class BuildPublisher {
  constructor(
    private readonly stores: PublisherStores,
    private readonly storage: RepositoryStorage,
    private readonly indexer: PackageIndexer,
    private readonly lock: RepositoryLock,
    /** Check statuses that may be published (FARM_PUBLISH_STATUSES). */
    private readonly statuses: readonly CheckStatus[],
  ) {}

  /** The publication of one build, if any. */
  async publication(jobId: string, platform: string): Promise<PublicationRecord | null> {
    return (await readRecord<PublicationRecord>(this.stores.repository, publicationKey(jobId, platform)))?.value ?? null;
  }

  /**
   * Publishes a finished build; idempotent. Throws `publish_refused` (check status, unfinished build)
   * or `already_published` (another job owns the version), after recording the refusal.
   */
  async publish(jobId: string, platform: string): Promise<PublicationRecord> {
    const job = await readRecord<JobRecord>(this.stores.jobs, keys.job(jobId));
    if (!job) throw errors.jobNotFound(jobId);
    const build = await readRecord<BuildRecord>(this.stores.jobs, keys.build(jobId, platform));
    if (!build) throw errors.buildNotFound(jobId, platform, job.value.platforms);
    if (!isTerminal(build.value.status))
      throw errors.publishRefused(`the build on ${platform} has not finished (it is ${build.value.status}); publish it once it is DONE`);
    return this.lock.withLock(async () => {
      const existing = await this.publication(jobId, platform);
      if (existing?.status === 'published') return existing;
      try {
        const files = await this.publishLocked(job.value, build.value);
        return await this.record(jobId, platform, 'published', null, files);
      } catch (error) {
        const refused = error instanceof FarmError;
        await this.record(jobId, platform, refused ? 'refused' : 'failed', (error as Error).message, []);
        throw error;
      }
    });
  }

  private async publishLocked(job: JobRecord, build: BuildRecord): Promise<string[]> {
    const status = build.result?.status;
    if (build.status !== 'DONE' || !status || !this.statuses.includes(status)) {
      const ended = build.status === 'DONE' ? `its check ended ${status ?? 'without a result'}` : `the build ended ${build.status}`;
      throw errors.publishRefused(
        `${job.package} ${job.version} on ${build.platform} is not published: ${ended}; this farm publishes checks that end ${this.statuses.join(' or ')} (FARM_PUBLISH_STATUSES)`,
      );
    }
    await this.claim(job);
    const placed: { place: RepositoryPlace; artifact: ArtifactRecord }[] = [];
    const source = build.artifacts.find((artifact) => artifact.name === `${job.package}_${job.version}.tar.gz`);
    if (source) placed.push({ place: sourcePlace(job.package, job.version), artifact: source });
    const binary = build.artifacts.find((artifact) => isBinaryArtifact(artifact.name, job.package, job.version));
    const platform = binaryPlatformOf(build);
    const binaryTarget = binary && platform ? binaryPlace(job.package, job.version, platform) : null;
    if (binary && binaryTarget) placed.push({ place: binaryTarget, artifact: binary });
    if (placed.length === 0) throw errors.publishRefused(`the build on ${build.platform} left no package files to publish`);
    for (const { place, artifact } of placed) {
      // Only what the agent took and recorded a digest for is published, byte for byte.
      if (!artifact.sha256)
        throw errors.publishRefused(
          `${artifact.name} of job ${job.id} has no digest recorded by its agent; it was built by an agent older than this farm's sandbox and is not published`,
        );
      const data = await this.stores.artifacts.getBlob(artifactObjectName(job.id, build.platform, artifact));
      if (!data) throw new Error(`artifact ${artifact.name} of job ${job.id} is missing from the object store`);
      const digest = createHash('sha256').update(data).digest('hex');
      if (digest !== artifact.sha256)
        throw errors.publishRefused(
          `${artifact.name} of job ${job.id} is not the file its agent recorded (sha256 ${digest}, recorded ${artifact.sha256}); not published`,
        );
      // Already there means an earlier platform of this same job put it there (the claim says so).
      await this.storage.addFile(place.path, data);
    }
    for (const { place } of placed) await this.indexer.regenerate(place.tree, place.type);
    return placed.map(({ place }) => place.path);
  }

  /** Makes the version this job's, or refuses when another job published it first. */
  private async claim(job: JobRecord): Promise<void> {
    const key = claimKey(job.package, job.version);
    const mine: VersionClaim = { jobId: job.id, at: new Date().toISOString() };
    try {
      await this.stores.repository.create(key, encode(mine));
      return;
    } catch {
      const entry = await this.stores.repository.get(key);
      const owner = entry && entry.operation === 'PUT' ? decode<VersionClaim>(entry.value) : null;
      if (owner?.jobId === job.id) return;
      throw errors.alreadyPublished(job.package, job.version, owner?.jobId ?? 'another job');
    }
  }

  private async record(
    jobId: string,
    platform: string,
    status: PublicationRecord['status'],
    reason: string | null,
    files: string[],
  ): Promise<PublicationRecord> {
    const record: PublicationRecord = { jobId, platform, status, reason, files, at: new Date().toISOString() };
    await this.stores.repository.put(publicationKey(jobId, platform), encode(record));
    return record;
  }
}
