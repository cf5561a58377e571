/**
 * The farm's CRAN-like repository as the control plane uses it: reading for `/repo/`, publishing
 * builds, watching for builds to publish. Its buckets open on first use, so building the app's
 * dependencies stays synchronous; a failed open is tried again on the next use.
 */
import type { Logger } from 'pino';
import type { CheckStatus, FarmConnection } from '../../protocol/index.ts';
import { BuildPublisher, type PublicationRecord } from './build-publisher.ts';
import { openRepositoryBuckets, ObjectStoreStorage } from './object-store-storage.ts';
import { PackageIndexer } from './package-indexer.ts';
import { PublicationWatcher } from './publication-watcher.ts';
import { RepositoryLock } from './repository-lock.ts';
import { RepositoryReader, type RepositoryFile } from './repository-reader.ts';

export interface FarmRepositoryOptions {
  /** JetStream replicas of the repository's buckets. */
  readonly replicas: number;
  /** A directory of this host for the index mirror. */
  readonly mirrorDir: string;
  /** The Rscript that runs tools::write_PACKAGES. */
  readonly rscript: string;
  /** Check statuses that may be published. */
  readonly publishStatuses: readonly CheckStatus[];
}

interface Parts {
  readonly reader: RepositoryReader;
  readonly publisher: BuildPublisher;
  readonly watcher: PublicationWatcher;
}

export class FarmRepository {
  private opening: Promise<Parts> | null = null;

  constructor(
    private readonly farm: FarmConnection,
    private readonly options: FarmRepositoryOptions,
    private readonly log: Logger,
  ) {}

  private parts(): Promise<Parts> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    return this.opening;
  }

  private async open(): Promise<Parts> {
    const { objects, kv } = await openRepositoryBuckets(this.farm, this.options.replicas);
    const storage = new ObjectStoreStorage(objects, kv);
    const indexer = new PackageIndexer(storage, this.options.mirrorDir, this.options.rscript);
    const stores = { jobs: this.farm.jobs, artifacts: this.farm.artifacts, repository: kv };
    const publisher = new BuildPublisher(stores, storage, indexer, new RepositoryLock(kv), this.options.publishStatuses);
    return { reader: new RepositoryReader(storage), publisher, watcher: new PublicationWatcher(this.farm.jobs, kv, publisher, this.log) };
  }

  /** A file under /repo/, or null. */
  async read(path: string): Promise<RepositoryFile | null> {
    return (await this.parts()).reader.read(path);
  }

  /** Publishes one finished build now (see BuildPublisher.publish). */
  async publish(jobId: string, platform: string): Promise<PublicationRecord> {
    return (await this.parts()).publisher.publish(jobId, platform);
  }

  /** The publication of one build, if any. */
  async publication(jobId: string, platform: string): Promise<PublicationRecord | null> {
    return (await this.parts()).publisher.publication(jobId, platform);
  }

  /** Publishes `publish=true` builds as they finish, until `stop`. */
  async startPublishing(): Promise<void> {
    await (await this.parts()).watcher.start();
  }

  async stop(): Promise<void> {
    if (this.opening) (await this.opening.catch(() => null))?.watcher.stop();
  }
}
