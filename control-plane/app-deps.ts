/**
 * What the control plane's routes are given: the collaborators `createApp` wires together. Its own
 * module, so routes can name it without importing the app that imports them.
 */
import type { Logger } from 'pino';
import type { FarmConnection, NatsAvailability } from '../protocol/index.ts';
import type { LatestResults } from './badges/index.ts';
import type { ControlPlaneConfig } from './config.ts';
import type { GitHubIntegration } from './github/index.ts';
import type { StorageGuard } from './health/storage-guard.ts';
import type { ControlPlaneMetrics } from './http/metrics.ts';
import type { OpenApiValidator } from './http/openapi-validator.ts';
import type { UploadGate } from './http/upload-gate.ts';
import type { JobService } from './jobs/job-service.ts';
import type { OutputReader } from './jobs/output-reader.ts';
import type { Mailer } from './mail/mailer.ts';
import type { PlatformDirectory } from './platforms/platform-directory.ts';
import type { FarmRepository } from './repository/index.ts';
import type { RevdepChecks } from './revdeps/index.ts';
import type { WorkerLauncher } from './workers/local-launcher.ts';
import type { WorkerRegistry } from './workers/worker-registry.ts';

/** Everything the routes use; tests build it around a real NATS. */
export interface AppDeps {
  readonly config: ControlPlaneConfig;
  readonly farm: FarmConnection;
  readonly log: Logger;
  readonly metrics: ControlPlaneMetrics;
  readonly validator: OpenApiValidator;
  readonly jobs: JobService;
  readonly output: OutputReader;
  readonly workers: WorkerRegistry;
  readonly platforms: PlatformDirectory;
  /** Starts agents on this host; null where build hosts come from the cloud stack. */
  readonly launcher: WorkerLauncher | null;
  /** The farm's SMTP mailer; null when FARM_SMTP_URL is unset. */
  readonly mailer: Mailer | null;
  /** The farm's CRAN-like repository under /repo/. */
  readonly repository: FarmRepository;
  /** The latest vouched-for check result per package and platform, for /badges/. */
  readonly latestResults: LatestResults;
  /** The farm as a GitHub App; null when FARM_GITHUB_APP_ID is unset. */
  readonly github: GitHubIntegration | null;
  /** Reverse-dependency checks (`revdeps=true`) and the CRAN pre-submission summary. */
  readonly revdeps: RevdepChecks;
  /** How many uploads are read at once. */
  readonly uploads: UploadGate;
  /** Whether NATS is reachable now. */
  readonly nats: NatsAvailability;
  /** Whether the farm has room for new work. */
  readonly storage: StorageGuard;
}
