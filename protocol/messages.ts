import type { NetworkPolicy, Platform } from '../images/index.ts';

/**
 * The wire between the control plane and the agents: JetStream names, subjects and the shapes of
 * every record and message. Both sides import this module and nothing else of each other.
 */

/** Work-queue stream of builds; one subject per platform. */
export const BUILDS_STREAM = 'RFARM_BUILDS';
/** Console output of every build attempt; a late viewer replays it from the start. */
export const OUTPUT_STREAM = 'RFARM_OUTPUT';
/** KV bucket with job and build records. */
export const JOBS_BUCKET = 'rfarm_jobs';
/** KV bucket of live workers; entries expire when their heartbeats stop. */
export const WORKERS_BUCKET = 'rfarm_workers';
/** Object store of uploaded packages: the control plane writes them, agents may only read them (permissions.ts). */
export const UPLOADS_BUCKET = 'rfarm_uploads';
/**
 * Object store of build artifacts (check logs, binaries): agents write them and may not read them;
 * the control plane serves and publishes them. Its name is the one the single object store of
 * uploads and artifacts had, so a farm upgraded in place keeps its artifacts where they are (and
 * moves the uploads it finds there to UPLOADS_BUCKET: control-plane/jobs/legacy-uploads.ts).
 */
export const ARTIFACTS_BUCKET = 'rfarm_objects';
/** The control plane's own: latest result per package and platform, for badges (control-plane/badges/). */
export const BADGES_BUCKET = 'rfarm_badges';
/** The control plane's own: the GitHub integration's deliveries and runs (control-plane/github/). */
export const GITHUB_BUCKET = 'rfarm_github';
/** The control plane's own: the package repository's object store and its KV bucket of index pointers. */
export const REPOSITORY_BUCKET = 'rfarm_repository';
/** The control plane's own: reverse-dependency runs (control-plane/revdeps/). */
export const REVDEPS_BUCKET = 'rfarm_revdeps';

/** The durable pull consumer through which a platform's agents take its builds. */
export function agentConsumer(platform: string): string {
  return `agents-${platform}`;
}

export const subjects = {
  /** Where a platform's builds queue. */
  buildQueue: (platform: string) => `rfarm.builds.${platform}`,
  allBuildQueues: 'rfarm.builds.>',
  /** Console output chunks of one build. */
  output: (jobId: string, platform: string) => `rfarm.output.${jobId}.${platform}`,
  allOutput: 'rfarm.output.>',
  /**
   * Core NATS: tells the agent running this job's build on `platform` to stop it. One subject per
   * platform, so an agent hears (and learns the ids of) only its own platform's cancels.
   */
  cancel: (jobId: string, platform: string) => `rfarm.cancel.${jobId}.${platform}`,
  /** Every cancel an agent of `platform` must hear. */
  platformCancels: (platform: string) => `rfarm.cancel.*.${platform}`,
  /** Core NATS: asks one worker to leave the farm. */
  workerStop: (workerId: string) => `rfarm.worker.${workerId}.stop`,
} as const;

export const keys = {
  job: (jobId: string) => `job.${jobId}`,
  build: (jobId: string, platform: string) => `build.${jobId}.${platform}`,
  /** Recent build durations of a platform, for queue estimates. */
  platformStats: (platform: string) => `stats.${platform}`,
  worker: (workerId: string) => `worker.${workerId}`,
  /** Present while a submission is being written; what a crash leaves is found through it. */
  submission: (jobId: string) => `submitting.${jobId}`,
  allSubmissions: 'submitting.*',
} as const;

/** Object names: an upload (in UPLOADS_BUCKET) and an artifact (in ARTIFACTS_BUCKET). */
export const objectNames = {
  upload: (jobId: string) => `upload/${jobId}.tar.gz`,
  /** A build's file as records made before attempts had their own named it. */
  artifact: (jobId: string, platform: string, name: string) => `artifacts/${jobId}/${platform}/${name}`,
  attemptArtifact: (jobId: string, platform: string, attempt: number, name: string) => `artifacts/${jobId}/${platform}/attempt-${attempt}/${name}`,
} as const;

/**
 * The object that holds a build's file: named under the attempt that stored it, so two attempts of
 * one build that finish together (the queue gave it to a second agent while the first could not
 * renew its claim) never overwrite each other's files — the record names the winner's.
 */
export function artifactObjectName(jobId: string, platform: string, artifact: Pick<ArtifactRecord, 'name' | 'attempt'>): string {
  return artifact.attempt === undefined
    ? objectNames.artifact(jobId, platform, artifact.name)
    : objectNames.attemptArtifact(jobId, platform, artifact.attempt, artifact.name);
}

/** Lifecycle of one build. The last four are terminal. */
export type BuildStatus = 'SUBMITTED' | 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELLED' | 'TIMEOUT';
export const TERMINAL_STATUSES: readonly BuildStatus[] = ['DONE', 'FAILED', 'CANCELLED', 'TIMEOUT'];
export const isTerminal = (status: BuildStatus): boolean => TERMINAL_STATUSES.includes(status);

/** R CMD check's verdict, worst item first. */
export type CheckStatus = 'OK' | 'NOTE' | 'WARNING' | 'ERROR';

/** One `* checking …` item of 00check.log that was not OK. */
export interface CheckItem {
  readonly severity: Exclude<CheckStatus, 'OK'>;
  /** The check's headline, e.g. "checking R code for possible problems". */
  readonly check: string;
  /** The item's full text as R printed it. */
  readonly text: string;
}

export interface CheckResult {
  readonly status: CheckStatus;
  readonly notes: number;
  readonly warnings: number;
  readonly errors: number;
  readonly items: readonly CheckItem[];
}

/** The worker that runs (or ran) a build, as it describes itself. */
export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly platform: string;
  readonly rVersion: string;
  readonly distribution: string;
  readonly compiler: string;
  readonly pid: number;
}

/** A live worker's heartbeat entry in the workers bucket. */
export interface WorkerRecord extends WorkerInfo {
  readonly startedAt: string;
  readonly heartbeatAt: string;
  /** `jobId/platform` of the build it runs now, if any. */
  readonly currentBuild: string | null;
  /** The platform in full, so the farm can accept platforms outside the catalogue (local hosts). */
  readonly platformDetails: Platform;
}

export interface ArtifactRecord {
  readonly name: string;
  readonly size: number;
  readonly contentType: string;
  /** SHA-256 (hex) of the bytes the agent took; the publisher refuses an object that differs. */
  readonly sha256?: string;
  /** The attempt that stored it (its object is named under it); absent in records from before attempts had their own. */
  readonly attempt?: number;
}

/** A job: one submission of one package to one or more platforms. */
export interface JobRecord {
  readonly id: string;
  readonly package: string;
  readonly version: string;
  readonly platforms: readonly string[];
  readonly email: string | null;
  readonly checkArgs: readonly string[];
  /** Extra environment for the check, already allow-listed. */
  readonly env: Readonly<Record<string, string>>;
  readonly submittedAt: string;
  readonly uploadSize: number;
  /** Whether to publish into the farm's repository when the check passes. */
  readonly publish: boolean;
  /** The upload is R CMD build's output (DESCRIPTION has `Packaged:`); otherwise the agent builds it. */
  readonly prebuilt: boolean;
  /** The package's DESCRIPTION, for system requirements and dependencies. */
  readonly description: string;
  /** Set by a cancel request. */
  readonly cancelledAt: string | null;
  /** Reverse-dependency checks were asked for (`revdeps=true`): on which platform. Absent otherwise. */
  readonly revdeps?: { readonly platform: string } | null;
  /**
   * A reverse-dependency check against a submitted version: the agent installs that job's upload
   * into this build's own library, ahead of the dependency cache, before the check. Absent otherwise.
   */
  readonly against?: SubmittedVersion | null;
}

/** The submitted version of a package a reverse dependency is checked against. */
export interface SubmittedVersion {
  /** The job whose upload it is. */
  readonly jobId: string;
  readonly package: string;
  readonly version: string;
}

/** One build: a job on one platform. */
export interface BuildRecord {
  readonly jobId: string;
  readonly platform: string;
  readonly status: BuildStatus;
  /** Stream sequence of its queue message, for queue positions. */
  readonly queueSequence: number | null;
  /** Its queue message's rank on the platform (control-plane/jobs/build-queue.ts); absent on builds queued before ranks. */
  readonly queueRank?: number;
  /** 1 for the first run; a redelivery after a lost agent starts the next attempt. */
  readonly attempt: number;
  readonly worker: WorkerInfo | null;
  readonly submittedAt: string;
  readonly queuedAt: string | null;
  readonly startedAt: string | null;
  /** When `R CMD check` (or build) was started: dispatch latency ends here. */
  readonly checkStartedAt: string | null;
  readonly finishedAt: string | null;
  readonly result: CheckResult | null;
  /** Why a build FAILED or TIMED OUT, or why its check ERRORed outside 00check.log. */
  readonly reason: string | null;
  readonly artifacts: readonly ArtifactRecord[];
  /** What the check ran with, set by the agent as the check starts (absent on older records). */
  readonly check?: CheckSettings | null;
}

/** The exact command, environment and network of a build's check, as its output states them. */
export interface CheckSettings {
  readonly command: readonly string[];
  /** Every variable of the check's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Who set each variable: the sandbox's plumbing, the platform (catalogue) or the job. */
  readonly sources: Readonly<Record<string, 'sandbox' | 'platform' | 'job'>>;
  readonly network: NetworkPolicy;
}

/** A build as a submission first writes it: SUBMITTED, nothing run yet. */
export function newBuildRecord(jobId: string, platform: string, submittedAt: string): BuildRecord {
  return {
    jobId,
    platform,
    status: 'SUBMITTED',
    queueSequence: null,
    attempt: 0,
    worker: null,
    submittedAt,
    queuedAt: null,
    startedAt: null,
    checkStartedAt: null,
    finishedAt: null,
    result: null,
    reason: null,
    artifacts: [],
  };
}

/**
 * The queue message: enough to find the records, and the records as the control plane wrote them,
 * so an idle agent starts the build without reading them first. The records stay the truth: the
 * agent writes from `buildRevision`, so a build changed since (marked QUEUED, cancelled, started
 * by an earlier delivery) costs it one revision conflict and a read. Messages without them (older
 * ones, or a write whose revision went unknown) are read as before.
 */
export interface BuildRequest {
  readonly jobId: string;
  readonly platform: string;
  /** The job record (it changes only by a cancel, which also ends the build). */
  readonly job?: JobRecord;
  /** The build record at `buildRevision`. */
  readonly build?: BuildRecord;
  readonly buildRevision?: number;
}

/** Marks a submission in progress, so a sweep can finish or undo what a crash interrupted. */
export interface SubmissionMarker {
  readonly jobId: string;
  readonly platforms: readonly string[];
  readonly startedAt: string;
}

/** Recent durations of a platform's finished builds, newest last. */
export interface PlatformStats {
  readonly durationsSeconds: readonly number[];
}

/** Headers on output messages. */
export const OUTPUT_HEADERS = {
  attempt: 'Rfarm-Attempt',
  /** Present on the last message of an attempt; its value is the build's status. */
  end: 'Rfarm-End',
} as const;

export function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function decode<T>(data: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(data)) as T;
}
