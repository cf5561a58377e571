/**
 * The agent's message loop: pulls its platform's builds one at a time and settles what a message
 * means before anything runs. A message whose records are gone is dropped; one whose build has
 * already finished (a redelivery) is just acked; one started more times than FARM_MAX_ATTEMPTS is
 * failed as lost; the rest becomes this worker's next attempt. The attempt's job directory is made
 * while the records are read, so one write marks the build RUNNING and its check starting. A
 * message is acked only once its result is stored, so a dead agent's build is redelivered.
 */
import type { Logger } from 'pino';
import {
  decode,
  isTerminal,
  keys,
  readRecord,
  changeRecord,
  type BuildConsumer,
  type BuildRecord,
  type BuildRequest,
  type CheckSettings,
  type FarmConnection,
  type JobRecord,
  type TakenBuild,
  type Versioned,
  type WorkerInfo,
} from '../../protocol/index.ts';
import { failLostBuild } from './build-finisher.ts';

/** What the loop takes from and hands to. */
export interface BuildPullLoopDeps {
  readonly farm: FarmConnection;
  readonly consumer: BuildConsumer;
  /** FARM_MAX_ATTEMPTS: deliveries after which a build is failed as lost. */
  readonly maxAttempts: number;
  readonly worker: WorkerInfo;
  /** True once the agent is leaving: the loop ends, and a message taken meanwhile is given back. */
  readonly stopping: () => boolean;
  /** Makes an attempt's job directory (and takes its lease); the loop releases it unless the attempt runs. */
  readonly prepareWorkspace: (jobId: string, platform: string, attempt: number) => Promise<AttemptWorkspace>;
  /** What the job's check will run with on this agent (recorded as the check starts). */
  readonly checkSettings: (job: JobRecord) => CheckSettings;
  /** Runs an attempt this worker has started (the build is RUNNING, its check started); it acks or naks the message. */
  readonly runAttempt: (msg: TakenBuild, job: JobRecord, build: Versioned<BuildRecord>, workspace: AttemptWorkspace) => Promise<void>;
  readonly log: Logger;
}

/** An attempt's files on this host, made before the attempt is marked started. */
export interface AttemptWorkspace {
  /** The attempt number they were made for. */
  readonly attempt: number;
  /** The name its lease, job directory and output log go by on this host. */
  readonly name: string;
  /** Removes them (the attempt did not run, or has ended). */
  release(): Promise<void>;
}

/** How often the attempt number moving under a prepared workspace is met before the message is left for later. */
const START_TRIES = 5;

/** Pulls and handles builds until the agent stops. */
export async function pullBuilds(deps: BuildPullLoopDeps): Promise<void> {
  const { consumer, stopping, log } = deps;
  while (!stopping()) {
    let msg: TakenBuild | null;
    try {
      msg = await consumer.next(5_000);
    } catch (error) {
      if (stopping()) break;
      log.warn({ err: error }, 'pull failed; retrying');
      await new Promise((done) => setTimeout(done, 1_000));
      continue;
    }
    if (!msg) continue;
    if (stopping()) {
      msg.nak();
      break;
    }
    try {
      await handle(deps, msg);
    } catch (error) {
      // The records could not be written (NATS away): leave the message unacked; it comes back.
      log.error({ err: error }, 'build handling failed; it will be redelivered');
    }
  }
}

async function handle(deps: BuildPullLoopDeps, msg: TakenBuild): Promise<void> {
  const { farm } = deps;
  const request = decode<BuildRequest>(msg.data);
  const buildKey = keys.build(request.jobId, request.platform);
  const carried = carriedRecords(request, msg);
  const read = carried ?? Promise.all([readJob(farm, request.jobId), readRecord<BuildRecord>(farm.jobs, buildKey)]);
  read.catch(() => undefined);
  // The job directory is made while the records are read, for the attempt this delivery most likely
  // starts (each delivery that started one counted one); a wrong guess is made again below.
  const guessed = deps.prepareWorkspace(request.jobId, request.platform, msg.deliveryCount);
  guessed.catch(() => undefined);
  let workspace = await guessed;
  let started: Versioned<BuildRecord> | null = null;
  try {
    const [job, build] = await read;
    if (!job || !build) {
      deps.log.warn({ request }, 'queue message without records; dropping it');
      msg.term();
      return;
    }
    if (isTerminal(build.value.status)) {
      msg.ack();
      return;
    }
    const delivery = msg.deliveryCount;
    if (delivery > deps.maxAttempts) {
      const reason = `the build was started ${delivery - 1} times and its agent was lost or failed each time`;
      await failLostBuild(farm, request.jobId, request.platform, reason);
      msg.ack();
      return;
    }
    let known: Versioned<BuildRecord> = build;
    for (let tries = 1; ; tries++) {
      if (workspace.attempt !== known.value.attempt + 1) {
        await workspace.release();
        workspace = await deps.prepareWorkspace(request.jobId, request.platform, known.value.attempt + 1);
      }
      const mark = startMark(deps, msg, job, workspace.attempt);
      // From the record read or carried: one round trip unless it changed meanwhile. A carried one
      // is read as it is written: when the control plane's QUEUED mark came first, the conflict
      // finds that read under way.
      const reading = carried && tries === 1 ? readRecord<BuildRecord>(farm.jobs, buildKey) : undefined;
      const stored = await changeRecord<BuildRecord>(farm.jobs, buildKey, mark.change, known, undefined, reading);
      if (!stored || isTerminal(stored.value.status)) {
        msg.ack();
        return;
      }
      if (mark.applied()) {
        started = stored;
        break;
      }
      // Another attempt began meanwhile (a redelivery): this one is the next.
      if (tries >= START_TRIES) throw new Error(`build ${buildKey} kept changing its attempt under us`);
      known = stored;
    }
    await deps.runAttempt(msg, job, started, workspace);
  } finally {
    if (!started) await workspace.release();
  }
}

type Records = readonly [JobRecord | null, Versioned<BuildRecord> | null];

/**
 * The records a first delivery carries (messages.ts), as if just read; null when it carries none,
 * or when this is a redelivery (an earlier attempt has changed the build since: read it).
 */
function carriedRecords(request: BuildRequest, msg: TakenBuild): Promise<Records> | null {
  const { job, build, buildRevision } = request;
  if (msg.deliveryCount !== 1 || !job || !build || buildRevision === undefined) return null;
  if (job.id !== request.jobId || build.jobId !== request.jobId || build.platform !== request.platform) return null;
  return Promise.resolve([job, { value: build, revision: buildRevision }]);
}

async function readJob(farm: FarmConnection, jobId: string): Promise<JobRecord | null> {
  return (await readRecord<JobRecord>(farm.jobs, keys.job(jobId)))?.value ?? null;
}

/**
 * The write that starts an attempt: RUNNING, this worker's, its check starting now (the job
 * directory is ready). It leaves a finished build be, and a build whose attempt number moved
 * away from the prepared workspace's (`applied` then says false).
 */
function startMark(deps: BuildPullLoopDeps, msg: TakenBuild, job: JobRecord, attempt: number) {
  let applied = false;
  return {
    applied: () => applied,
    change: (current: BuildRecord): BuildRecord | null => {
      applied = !isTerminal(current.status) && current.attempt + 1 === attempt;
      if (!applied) return null;
      const now = new Date().toISOString();
      return {
        ...current,
        status: 'RUNNING',
        attempt,
        worker: deps.worker,
        // An idle agent can take a build before the control plane has marked it QUEUED.
        queuedAt: current.queuedAt ?? msg.queuedAt,
        startedAt: now,
        checkStartedAt: now,
        check: deps.checkSettings(job),
      };
    },
  };
}
