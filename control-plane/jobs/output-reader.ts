/**
 * Reads a build's console output from the output stream: the latest attempt for a plain request,
 * chunk by chunk as the client takes it, or everything as it comes for a follower, who stops at
 * the end-of-output marker. Each read has its own ordered consumer, deleted when the read ends
 * (a short inactivity threshold removes it should the delete not get through).
 */
import {
  OUTPUT_HEADERS,
  OUTPUT_STREAM,
  isTerminal,
  keys,
  lastStoredMessage,
  readOrdered,
  readRecord,
  storedCounts,
  subjects,
  type BuildRecord,
  type FarmConnection,
  type StoredMessage,
} from '../../protocol/index.ts';

/** One piece of output: its attempt, text, and whether it ends the build's output. */
export interface OutputChunk {
  readonly attempt: number;
  readonly text: string;
  readonly end: string | null;
}

function chunkOf(msg: StoredMessage): OutputChunk {
  return {
    attempt: Number(msg.header(OUTPUT_HEADERS.attempt) || 0),
    text: new TextDecoder().decode(msg.data),
    end: msg.header(OUTPUT_HEADERS.end) || null,
  };
}

const WATCHDOG_MS = 2_000;
/** A reader's consumer left behind (the delete did not get through) goes after this long idle. */
const CONSUMER_INACTIVE_MS = 30_000;
/** Messages pulled ahead per read (agents publish ≤ 32 KiB each): what one reader may hold in memory. */
const PULL_BATCH = 32;
/** A read of stored output that gets no message for this long ends with what it has. */
const READ_STALL_MS = 15_000;

/** Whether a chunk belongs to the attempt being shown (a cancel marker published for attempt 0 does too). */
export function inAttempt(chunk: OutputChunk, attempt: number): boolean {
  return chunk.attempt === attempt || (chunk.end !== null && chunk.attempt === 0);
}

/** The facts of a build that say whose output to show. */
export type ShownBuild = Pick<BuildRecord, 'jobId' | 'platform' | 'status' | 'attempt'>;

/**
 * The attempt whose output goes with a build. A finished build's record names the attempt that gave
 * its result — not always the newest: when the queue handed the build to a second agent and the first
 * still finished first, the second attempt's stub must not stand in for the result's output. An
 * unfinished build shows the newest attempt stored (its agent writes the record before any output).
 */
export function shownAttempt(build: Pick<BuildRecord, 'status' | 'attempt'>, newestStored: number): number {
  return isTerminal(build.status) ? build.attempt : Math.max(build.attempt, newestStored, 0);
}

export class OutputReader {
  constructor(private readonly farm: FarmConnection) {}

  private async storedCount(subject: string): Promise<number> {
    return (await storedCounts(this.farm, OUTPUT_STREAM, subject))[subject] ?? 0;
  }

  /**
   * The messages of `subject` in order through one ordered consumer, until the signal aborts or, with
   * `expected` (the count stored when the read began), until at least that many are read and the
   * consumer says none is pending. Both are asked for: a consumer may report nothing pending before
   * it has delivered all that is stored while a cluster elects a leader. Should the rest never come,
   * the read ends after READ_STALL_MS without a message. The consumer is deleted when the caller stops.
   */
  private async *read(subject: string, expected: number | null, signal?: AbortSignal): AsyncGenerator<OutputChunk> {
    const messages = await readOrdered(this.farm, OUTPUT_STREAM, subject, { batch: PULL_BATCH, inactiveMs: CONSUMER_INACTIVE_MS });
    const stop = () => void messages.close();
    signal?.addEventListener('abort', stop);
    if (signal?.aborted) stop();
    let stall = expected === null ? null : setTimeout(stop, READ_STALL_MS);
    let received = 0;
    try {
      for await (const msg of messages) {
        received++;
        if (stall) {
          clearTimeout(stall);
          stall = setTimeout(stop, READ_STALL_MS);
        }
        yield chunkOf(msg);
        if (expected !== null && received >= expected && msg.pending === 0) break;
      }
    } finally {
      if (stall) clearTimeout(stall);
      signal?.removeEventListener('abort', stop);
      await messages.close();
    }
  }

  /** Every stored chunk of a build, oldest first. */
  async chunks(jobId: string, platform: string): Promise<OutputChunk[]> {
    const subject = subjects.output(jobId, platform);
    const stored = await this.storedCount(subject);
    if (stored === 0) return [];
    const chunks: OutputChunk[] = [];
    for await (const chunk of this.read(subject, stored)) chunks.push(chunk);
    return chunks;
  }

  /** The output of the build's shown attempt (`shownAttempt`): what it printed, once, without another attempt's lines. */
  async latestAttempt(build: ShownBuild): Promise<string> {
    const chunks = await this.chunks(build.jobId, build.platform);
    const shown = shownAttempt(build, Math.max(0, ...chunks.map((chunk) => chunk.attempt)));
    return chunks
      .filter((chunk) => inAttempt(chunk, shown))
      .map((chunk) => chunk.text)
      .join('');
  }

  /**
   * The shown attempt's output as it is read, for streaming to a client (for an unfinished build,
   * the newest attempt is the last stored message's). Nothing is read before the consumer wants it.
   */
  async *latestAttemptText(build: ShownBuild): AsyncGenerator<string> {
    const subject = subjects.output(build.jobId, build.platform);
    const stored = await this.storedCount(subject);
    if (stored === 0) return;
    const last = isTerminal(build.status) ? null : await lastStoredMessage(this.farm, OUTPUT_STREAM, subject).catch(() => null);
    const shown = shownAttempt(build, Number(last?.header(OUTPUT_HEADERS.attempt) || 0));
    for await (const chunk of this.read(subject, stored)) {
      if (inAttempt(chunk, shown)) yield chunk.text;
    }
  }

  /**
   * Streams output as it is published until the end marker, the signal aborts, or the build is
   * finished and nothing more arrives (a build whose agent died without a marker).
   */
  async follow(jobId: string, platform: string, write: (chunk: OutputChunk) => void, signal: AbortSignal): Promise<void> {
    const stopped = new AbortController();
    const abort = () => stopped.abort();
    signal.addEventListener('abort', abort);
    let lastMessageAt = Date.now();
    const watchdog = setInterval(async () => {
      if (Date.now() - lastMessageAt < WATCHDOG_MS) return;
      const build = await readRecord<BuildRecord>(this.farm.jobs, keys.build(jobId, platform)).catch(() => null);
      if (!build || isTerminal(build.value.status)) stopped.abort();
    }, WATCHDOG_MS);
    try {
      for await (const chunk of this.read(subjects.output(jobId, platform), null, stopped.signal)) {
        lastMessageAt = Date.now();
        write(chunk);
        if (chunk.end !== null) break;
      }
    } finally {
      clearInterval(watchdog);
      signal.removeEventListener('abort', abort);
    }
  }
}
