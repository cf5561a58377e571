/**
 * Streams a build attempt's console output to JetStream as it comes, in order, batched so a chatty
 * check costs a few messages a second, and keeps a copy for the `output.log` artifact.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { publishOutput, retryTransient, type FarmConnection } from '../../protocol/index.ts';
import type { OutputSink } from './sandboxed-process.ts';

const FLUSH_BYTES = 32 * 1024;
const FLUSH_MS = 100;
/** How long one chunk is retried (same message id, so a retry of a stored chunk lands once). */
const PUBLISH_PATIENCE_MS = 300_000;

export class OutputPublisher implements OutputSink {
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private written = 0;
  private sequence = 0;
  private readonly copy: WriteStream;
  private failure: Error | null = null;

  constructor(
    private readonly farm: FarmConnection,
    private readonly jobId: string,
    private readonly platform: string,
    private readonly attempt: number,
    copyPath: string,
  ) {
    this.copy = createWriteStream(copyPath);
  }

  get bytes(): number {
    return this.written;
  }

  write(text: string): void {
    if (!text) return;
    this.written += Buffer.byteLength(text);
    this.pending += text;
    if (!this.copy.writableEnded) this.copy.write(text);
    if (this.pending.length >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(end?: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const text = this.pending;
    this.pending = '';
    if (!text && end === undefined) return;
    // Sequential publishes keep the output in order; retries ride out a NATS restart or a cluster
    // electing a leader, and the message id makes a retried publish whose ack was lost land once.
    // Once one chunk is lost the rest are not sent: an output with a hole must not look whole.
    const id = `${this.jobId}.${this.platform}.${this.attempt}.${this.sequence++}`;
    this.chain = this.chain.then(() => {
      if (this.failure) return;
      return retryTransient(() => publishOutput(this.farm, this.jobId, this.platform, { attempt: this.attempt, text, end, id }), PUBLISH_PATIENCE_MS).catch(
        (error: Error) => {
          this.failure = error;
        },
      );
    });
  }

  /** Completes the `output.log` copy on disk (later text still streams, but is not in the copy). */
  async sealCopy(): Promise<void> {
    if (!this.copy.writableEnded) await new Promise<void>((resolve) => this.copy.end(resolve));
  }

  /**
   * Waits until everything written so far is stored; throws when a chunk could not be, so the
   * build is not recorded as finished with a hole in its output (it is run again instead).
   */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw new Error(`the build's console output could not be stored: ${this.failure.message}`, { cause: this.failure });
  }

  /** Publishes what is left; with `endStatus`, marks the attempt's last message. */
  async close(endStatus?: string): Promise<void> {
    this.flush(endStatus);
    await this.chain;
    await this.sealCopy();
    if (this.failure) throw this.failure;
  }
}
