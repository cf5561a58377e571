/**
 * Reads a build's console output from the output stream: all of the latest attempt for a plain
 * request, or everything as it comes for a follower, who stops at the end-of-output marker.
 */
import type { JsMsg } from 'nats';
import {
  OUTPUT_HEADERS,
  OUTPUT_STREAM,
  isTerminal,
  keys,
  readRecord,
  subjects,
  type BuildRecord,
  type FarmConnection,
} from '../../protocol/index.ts';

/** One piece of output: its attempt, text, and whether it ends the build's output. */
export interface OutputChunk {
  readonly attempt: number;
  readonly text: string;
  readonly end: string | null;
}

function chunkOf(msg: JsMsg): OutputChunk {
  return {
    attempt: Number(msg.headers?.get(OUTPUT_HEADERS.attempt) || 0),
    text: new TextDecoder().decode(msg.data),
    end: msg.headers?.get(OUTPUT_HEADERS.end) || null,
  };
}

const WATCHDOG_MS = 2_000;

export class OutputReader {
  constructor(private readonly farm: FarmConnection) {}

  private async storedCount(subject: string): Promise<number> {
    const info = await this.farm.jsm.streams.info(OUTPUT_STREAM, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  /** Every stored chunk of a build, oldest first. */
  async chunks(jobId: string, platform: string): Promise<OutputChunk[]> {
    const subject = subjects.output(jobId, platform);
    const count = await this.storedCount(subject);
    if (count === 0) return [];
    const consumer = await this.farm.js.consumers.get(OUTPUT_STREAM, { filterSubjects: subject });
    const chunks: OutputChunk[] = [];
    const messages = await consumer.consume();
    for await (const msg of messages) {
      chunks.push(chunkOf(msg));
      if (msg.info.pending === 0) break;
    }
    await messages.close();
    return chunks;
  }

  /** The latest attempt's output: what the build printed, once, without a lost attempt's lines. */
  async latestAttempt(jobId: string, platform: string, attempt: number): Promise<string> {
    const chunks = await this.chunks(jobId, platform);
    const latest = Math.max(attempt, ...chunks.map((chunk) => chunk.attempt), 0);
    return chunks
      .filter((chunk) => chunk.attempt === latest || (chunk.end !== null && chunk.attempt === 0))
      .map((chunk) => chunk.text)
      .join('');
  }

  /**
   * Streams output as it is published until the end marker, the signal aborts, or the build is
   * finished and nothing more arrives (a build whose agent died without a marker).
   */
  async follow(jobId: string, platform: string, write: (chunk: OutputChunk) => void, signal: AbortSignal): Promise<void> {
    const consumer = await this.farm.js.consumers.get(OUTPUT_STREAM, { filterSubjects: subjects.output(jobId, platform) });
    const messages = await consumer.consume();
    let lastMessageAt = Date.now();
    const stop = () => void messages.close();
    signal.addEventListener('abort', stop);
    const watchdog = setInterval(async () => {
      if (Date.now() - lastMessageAt < WATCHDOG_MS) return;
      const build = await readRecord<BuildRecord>(this.farm.jobs, keys.build(jobId, platform)).catch(() => null);
      if (!build || isTerminal(build.value.status)) stop();
    }, WATCHDOG_MS);
    try {
      for await (const msg of messages) {
        lastMessageAt = Date.now();
        const chunk = chunkOf(msg);
        write(chunk);
        if (chunk.end !== null) break;
      }
    } finally {
      clearInterval(watchdog);
      signal.removeEventListener('abort', stop);
      await messages.close().catch(() => undefined);
    }
  }
}
