/**
 * The latest check result of each package on each platform, as badges show it: one small record
 * per package and platform in a KV bucket of its own (`rfarm_badges`), replaced when a build of a
 * newer submission finishes. Only builds the farm vouches for count (see `LatestResultsWatcher`),
 * so nobody can paint another package's badge by uploading a package of the same name.
 */
import type { KV } from '@nats-io/kv';
import {
  BADGES_BUCKET,
  decode,
  encode,
  isWrongLastSequence,
  openControlPlaneKv,
  retryTransient,
  updateRecord,
  type BuildRecord,
  type BuildStatus,
  type CheckStatus,
  type FarmConnection,
  type JobRecord,
} from '../../protocol/index.ts';

/** What a badge shows of one package on one platform. Job ids are keys to jobs: never stored here. */
export interface LatestResult {
  readonly package: string;
  readonly version: string;
  readonly platform: string;
  /** The build's final status (DONE, FAILED, TIMEOUT, CANCELLED). */
  readonly status: BuildStatus;
  /** R CMD check's verdict when the build ran to the end. */
  readonly result: CheckStatus | null;
  /** When the job was submitted: a newer submission wins whatever order builds finish in. */
  readonly submittedAt: string;
  readonly finishedAt: string | null;
}

/** Package names hold letters, digits and dots, never '_': '.' → '_' keeps KV keys one token each. */
function packageToken(packageName: string): string {
  return packageName.replaceAll('.', '_');
}

function key(packageName: string, platform: string): string {
  return `latest.${packageToken(packageName)}.${platform}`;
}

export class LatestResults {
  private opening: Promise<KV> | null = null;

  constructor(
    private readonly farm: FarmConnection,
    private readonly replicas: number,
  ) {}

  /** The bucket, opened (and created) on first use; a failed open is tried again next time. */
  private bucket(): Promise<KV> {
    this.opening ??= retryTransient(() => openControlPlaneKv(this.farm, BADGES_BUCKET, this.replicas)).catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    return this.opening;
  }

  /** Records a finished build unless a newer submission's result is already there. */
  async record(job: JobRecord, build: BuildRecord): Promise<void> {
    const kv = await this.bucket();
    const value: LatestResult = {
      package: job.package,
      version: job.version,
      platform: build.platform,
      status: build.status,
      result: build.result?.status ?? null,
      submittedAt: build.submittedAt,
      finishedAt: build.finishedAt,
    };
    const name = key(job.package, build.platform);
    const created = await retryTransient(() => kv.create(name, encode(value))).then(
      () => true,
      (error: unknown) => {
        if (isWrongLastSequence(error)) return false;
        throw error;
      },
    );
    if (created) return;
    await updateRecord<LatestResult>(kv, name, (current) => (newer(value, current) ? value : null));
  }

  /** The latest result of a package on one platform, or null. */
  async get(packageName: string, platform: string): Promise<LatestResult | null> {
    const entry = await retryTransient(async () => (await this.bucket()).get(key(packageName, platform)));
    return entry && entry.operation === 'PUT' && entry.value.length > 0 ? decode<LatestResult>(entry.value) : null;
  }

  /** The latest result of a package on every platform it was checked on. */
  async forPackage(packageName: string): Promise<LatestResult[]> {
    const kv = await this.bucket();
    const names: string[] = [];
    for await (const name of await kv.keys(`latest.${packageToken(packageName)}.*`)) names.push(name);
    const results = await Promise.all(names.sort().map(async (name) => kv.get(name)));
    return results.filter((entry) => entry && entry.operation === 'PUT' && entry.value.length > 0).map((entry) => decode<LatestResult>(entry!.value));
  }
}

function newer(candidate: LatestResult, current: LatestResult): boolean {
  if (candidate.submittedAt !== current.submittedAt) return candidate.submittedAt > current.submittedAt;
  return (candidate.finishedAt ?? '') > (current.finishedAt ?? '');
}
