/**
 * The agent's message loop: pulls its platform's builds one at a time and settles what a message
 * means before anything runs. A message whose records are gone is dropped; one whose build has
 * already finished (a redelivery) is just acked; one started more times than FARM_MAX_ATTEMPTS is
 * failed as lost; the rest becomes this worker's next attempt (RUNNING). A message is acked only
 * once its result is stored, so a dead agent's build is redelivered.
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
  /** Runs an attempt this worker has started (the build is RUNNING); it acks or naks the message. */
  readonly runAttempt: (msg: TakenBuild, job: JobRecord, build: Versioned<BuildRecord>) => Promise<void>;
  readonly log: Logger;
}

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
  const [job, build] = await Promise.all([readRecord<JobRecord>(farm.jobs, keys.job(request.jobId)), readRecord<BuildRecord>(farm.jobs, buildKey)]);
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
  // From the record just read: one round trip unless it changed meanwhile.
  const started = await changeRecord<BuildRecord>(
    farm.jobs,
    buildKey,
    (current) =>
      isTerminal(current.status)
        ? null
        : {
            ...current,
            status: 'RUNNING',
            attempt: current.attempt + 1,
            worker: deps.worker,
            // An idle agent can take a build before the control plane has marked it QUEUED.
            queuedAt: current.queuedAt ?? msg.queuedAt,
            startedAt: new Date().toISOString(),
            checkStartedAt: null,
          },
    build,
  );
  if (!started || isTerminal(started.value.status)) {
    msg.ack();
    return;
  }
  await deps.runAttempt(msg, job.value, started);
}
