/**
 * Turns what happened to a build attempt into its record, artifacts and the end of its output,
 * and says what to do with the queue message. Order matters: artifacts, then the record, then the
 * end-of-output marker, so whoever sees the end also sees the result.
 */
import {
  keys,
  artifactObjectName,
  publishOutput,
  readRecord,
  retryTransient,
  isStoreFull,
  isTerminal,
  updateRecord,
  type ArtifactRecord,
  type BuildRecord,
  type BuildStatus,
  type CheckResult,
  type FarmConnection,
  type JobRecord,
  type PlatformStats,
} from '../../protocol/index.ts';
import { errorResult } from './check-log.ts';
import { agentArtifact, type ArtifactFile } from './build-artifacts.ts';
import type { BuildOutcome } from './build-runner.ts';
import type { OutputPublisher } from './output-publisher.ts';

/**
 * What to do with the queue message afterwards. `leave`: another attempt holds the message now (the
 * queue redelivered it while this one ran), so this attempt must neither ack nor nak it.
 */
export type MessageFate = 'ack' | 'retry' | 'abandon' | 'leave';

export interface AttemptContext {
  readonly farm: FarmConnection;
  readonly job: JobRecord;
  readonly platform: string;
  /** The build's record as this attempt started it (its attempt number, worker and start time). */
  readonly build: BuildRecord;
  readonly outcome: BuildOutcome;
  readonly output: OutputPublisher;
  readonly outputLog: string;
  /** No delivery is left after this one. */
  readonly lastAttempt: boolean;
  /** The user cancelled (not the agent shutting down). */
  readonly cancelledByUser: boolean;
  /** The agent is leaving the farm: hand the build back untouched. */
  readonly agentStopping: boolean;
}

interface Verdict {
  readonly status: BuildStatus;
  readonly result: CheckResult | null;
  readonly reason: string | null;
}

const CONTENT_TYPES: Record<string, string> = { '.log': 'text/plain; charset=utf-8', '.out': 'text/plain; charset=utf-8', '.gz': 'application/gzip' };

function verdictOf(outcome: BuildOutcome, cancelledByUser: boolean): Verdict {
  if (outcome.kind === 'checked') return { status: 'DONE', result: outcome.result, reason: null };
  if (outcome.kind === 'infrastructure') return { status: 'FAILED', result: null, reason: outcome.reason };
  switch (outcome.reason) {
    case 'cancelled':
      return { status: 'CANCELLED', result: null, reason: cancelledByUser ? 'cancelled by request' : 'cancelled' };
    case 'wall-time':
      return { status: 'TIMEOUT', result: null, reason: `the build ran past its wall-time limit (${outcome.detail})` };
    case 'silence':
      return { status: 'TIMEOUT', result: null, reason: `the build printed nothing for too long (${outcome.detail})` };
    case 'output-limit':
      return {
        status: 'DONE',
        result: errorResult('console output size', `the build printed more than the farm's output limit and was stopped (${outcome.detail})`),
        reason: 'output limit exceeded',
      };
    case 'disk-limit':
      return {
        status: 'DONE',
        result: errorResult('disk space', `the build wrote more than the farm allows and was stopped: ${outcome.detail}`),
        reason: 'disk limit exceeded',
      };
  }
}

/** What of a build's files the farm kept, and what it had no room for. */
interface StoredArtifacts {
  readonly records: ArtifactRecord[];
  /** Files the store refused for want of room, e.g. `foo_1.0.tar.gz (3.1 MB)`. */
  readonly notKept: string[];
}

/**
 * Stores the build's files, smallest first, so that when the farm's store is full the logs are kept
 * and the result is still recorded: a file the store has no room for is left out and named (the
 * storage guard refuses new work well before this, so it is the exception). Any other failure
 * throws, and the attempt is tried again.
 */
async function uploadArtifacts(ctx: AttemptContext, files: ArtifactFile[]): Promise<StoredArtifacts> {
  const kept = new Set<ArtifactFile>();
  const notKept: string[] = [];
  for (const file of [...files].sort((a, b) => a.data.length - b.data.length)) {
    try {
      const name = artifactObjectName(ctx.job.id, ctx.platform, { name: file.name, attempt: ctx.build.attempt });
      await retryTransient(() => ctx.farm.artifacts.putBlob({ name }, file.data));
      kept.add(file);
    } catch (error) {
      if (!isStoreFull(error)) throw error;
      notKept.push(`${file.name} (${(file.data.length / 1024 / 1024).toFixed(1)} MB)`);
    }
  }
  const records = files
    .filter((file) => kept.has(file))
    .map((file) => {
      const extension = file.name.slice(file.name.lastIndexOf('.'));
      return {
        name: file.name,
        size: file.data.length,
        contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
        sha256: file.sha256,
        attempt: ctx.build.attempt,
      };
    });
  return { records, notKept };
}

/** The build's reason, with the files the store had no room for. */
function withNotKept(reason: string | null, notKept: readonly string[]): string | null {
  if (notKept.length === 0) return reason;
  const note = `the farm's store was full: not kept: ${notKept.join(', ')}`;
  return reason ? `${reason}; ${note}` : note;
}

async function recordDuration(ctx: AttemptContext, seconds: number): Promise<void> {
  const key = keys.platformStats(ctx.platform);
  const stats = await updateRecord<PlatformStats>(ctx.farm.jobs, key, (current) => ({
    durationsSeconds: [...current.durationsSeconds, seconds].slice(-20),
  }));
  if (!stats) await ctx.farm.jobs.create(key, new TextEncoder().encode(JSON.stringify({ durationsSeconds: [seconds] }))).catch(() => undefined);
}

/**
 * Ends this attempt's output when another attempt of the build finished first (the queue gave the
 * build to a second agent while this one could not renew its claim — paused, or cut off from a NATS
 * cluster electing a leader): that attempt's result and output are the build's; this one's are not
 * kept, and its output gets no end marker, so it can never be shown as the build's.
 */
async function endSuperseded(ctx: AttemptContext, winner: BuildRecord): Promise<MessageFate> {
  ctx.output.write(`\n>>> rfarm: attempt ${winner.attempt} of this build finished first (${winner.status}); this attempt's result is not kept\n`);
  await ctx.output.close();
  return 'ack';
}

/** The build's record when another attempt has already finished it, else null. */
async function finishedByAnotherAttempt(ctx: AttemptContext): Promise<BuildRecord | null> {
  const current = await retryTransient(() => readRecord<BuildRecord>(ctx.farm.jobs, keys.build(ctx.job.id, ctx.platform)));
  if (!current) return null;
  return isTerminal(current.value.status) && current.value.attempt !== ctx.build.attempt ? current.value : null;
}

/** Stores the attempt's outcome; returns what to do with its queue message. */
export async function finishAttempt(ctx: AttemptContext): Promise<MessageFate> {
  const { outcome } = ctx;
  const attempt = ctx.build.attempt;
  if (outcome.kind === 'stopped' && outcome.reason === 'cancelled' && ctx.agentStopping && !ctx.cancelledByUser) {
    ctx.output.write('\n>>> rfarm: this agent is leaving the farm; the build goes back to the queue\n');
    await ctx.output.close();
    return 'abandon';
  }
  const winner = await finishedByAnotherAttempt(ctx);
  if (winner) return endSuperseded(ctx, winner);
  if (outcome.kind === 'infrastructure' && !ctx.lastAttempt && !outcome.final) {
    ctx.output.write(`\n>>> rfarm: infrastructure failure: ${outcome.reason}; the build will be retried\n`);
    await ctx.output.close();
    const requeued = await updateRecord<BuildRecord>(ctx.farm.jobs, keys.build(ctx.job.id, ctx.platform), (current) =>
      isTerminal(current.status) || current.attempt !== attempt
        ? null
        : { ...current, status: 'QUEUED', reason: `attempt ${attempt} failed: ${outcome.reason}; retrying` },
    );
    // A later attempt runs the build already: its agent holds the message, so this one leaves it be.
    return requeued && requeued.attempt !== attempt ? 'leave' : 'retry';
  }
  const verdict = verdictOf(outcome, ctx.cancelledByUser);
  const summary = verdict.result ? `${verdict.status} (${verdict.result.status})` : verdict.status;
  ctx.output.write(`\n>>> rfarm: ${summary}${verdict.reason ? `: ${verdict.reason}` : ''}\n`);
  await ctx.output.sealCopy();
  // The whole output is stored before the result is: whoever sees the result can read all of it.
  await ctx.output.drain();
  const { records: artifacts, notKept } = await uploadArtifacts(ctx, [...outcome.artifacts, await agentArtifact('output.log', ctx.outputLog)]);
  const reason = withNotKept(verdict.reason, notKept);
  const finishedAt = new Date().toISOString();
  const stored = await updateRecord<BuildRecord>(ctx.farm.jobs, keys.build(ctx.job.id, ctx.platform), (current) => {
    // A cancel that won the race keeps its status; the artifacts of the run still belong to it.
    if (current.status === 'CANCELLED' && current.attempt === attempt)
      return { ...current, artifacts, reason: withNotKept(current.reason, notKept), finishedAt: current.finishedAt ?? finishedAt };
    if (isTerminal(current.status)) return null;
    // First to finish gives the result, even when the queue has since started a later attempt
    // (whose agent stops when it sees the build finished): the record names this attempt, so the
    // output shown with the result is this attempt's, whole.
    return {
      ...current,
      status: verdict.status,
      result: verdict.result,
      reason,
      artifacts,
      finishedAt,
      attempt,
      worker: ctx.build.worker,
      startedAt: ctx.build.startedAt,
    };
  });
  if (stored && stored.attempt !== attempt) return endSuperseded(ctx, stored);
  if (stored?.status === 'DONE' && stored.startedAt) await recordDuration(ctx, (Date.parse(finishedAt) - Date.parse(stored.startedAt)) / 1000);
  await ctx.output.close(stored?.status ?? verdict.status);
  return 'ack';
}

/** Ends a build that used up its deliveries without this agent running it. */
export async function failLostBuild(farm: FarmConnection, jobId: string, platform: string, reason: string): Promise<void> {
  const stored = await updateRecord<BuildRecord>(farm.jobs, keys.build(jobId, platform), (current) =>
    isTerminal(current.status) ? null : { ...current, status: 'FAILED', reason, finishedAt: new Date().toISOString() },
  );
  await publishOutput(farm, jobId, platform, {
    attempt: stored?.attempt ?? 0,
    text: `\n>>> rfarm: FAILED: ${reason}\n`,
    end: stored?.status ?? 'FAILED',
  });
}
