/**
 * The build queue (one work-queue subject per platform) with queue positions in O(1).
 *
 * Each queue message carries its rank on the platform: one more than the rank of the message
 * published before it on that subject. Publishes of one platform are serialised here, and
 * `Nats-Expected-Last-Subject-Sequence` makes a publish by another writer fail rather than share
 * a rank. A platform's one consumer hands messages out in order, so while a build waits every
 * message after it is still stored: the builds ahead of it are the subject's stored messages
 * minus itself minus the (last rank − its rank) behind it. That is two reads, whatever the
 * length of the queue (it used to be a walk over up to 500 sequence numbers).
 *
 * A subject whose messages have all been taken and acked holds none, so its last sequence is 0
 * again: after a publish that found the subject empty (its builds are taken as they come) the
 * next one expects it empty too. A refusal says what the server found (`foundLastSequence`):
 * empty, or this process's own last message, is tried again at once; anything else is another
 * writer's, and is read for its rank.
 */
import {
  BUILDS_STREAM,
  encode,
  foundLastSequence,
  isWrongLastSequence,
  lastStoredMessage,
  publishQueued,
  storedCounts,
  storedMessageAt,
  subjects,
  type BuildRecord,
  type BuildRequest,
  type FarmConnection,
} from '../../protocol/index.ts';

/** Header holding a queue message's rank on its platform. */
export const QUEUE_RANK_HEADER = 'Rfarm-Queue-Rank';

/** Where a published queue message sits. */
export interface QueuedMessage {
  /** Its stream sequence. */
  readonly sequence: number;
  /** Its rank on its platform's subject. */
  readonly rank: number;
}

interface LastMessage {
  readonly sequence: number;
  readonly rank: number;
}

/** What this process expects of a platform's subject. */
interface Expectation {
  /** The subject's last sequence a publish expects (0: empty). */
  readonly expected: number;
  /** The rank of the last message published there. */
  readonly rank: number;
  /** This process's last message there (0: none known). */
  readonly own: number;
}

/** The largest queue message that carries the records (messages.ts BuildRequest). */
const MAX_CARRIED_BYTES = 64 * 1024;

/** How often a publish raced by another writer is tried again with a fresh look at the subject. */
const RACE_ATTEMPTS = 20;

export class BuildQueue {
  /** What this process expects of each platform's subject; dropped when another writer's message is found. */
  private readonly last = new Map<string, Expectation>();
  /** Publishes of one platform, one after another. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly farm: FarmConnection) {}

  /**
   * Publishes a build's queue message (idempotent by message id: a repeat finds the first); `request`
   * may carry the records (messages.ts), its jobId and platform must be the build's.
   */
  publish(build: BuildRecord, request: BuildRequest = { jobId: build.jobId, platform: build.platform }): Promise<QueuedMessage> {
    const previous = this.tails.get(build.platform) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.publishNow(build, request));
    this.tails.set(build.platform, next);
    void next.finally(() => this.tails.get(build.platform) === next && this.tails.delete(build.platform)).catch(() => undefined);
    return next;
  }

  private async publishNow(build: BuildRecord, request: BuildRequest): Promise<QueuedMessage> {
    const subject = subjects.buildQueue(build.platform);
    const full = encode(request);
    // A message carrying an unusually large job record goes out without the records: the agent reads them.
    const data = full.length <= MAX_CARRIED_BYTES ? full : encode({ jobId: request.jobId, platform: request.platform } satisfies BuildRequest);
    for (let attempt = 1; ; attempt++) {
      const last = this.last.get(build.platform) ?? (await this.readLast(subject));
      const rank = last.rank + 1;
      try {
        const ack = await publishQueued(this.farm, build.platform, data, {
          id: `${build.jobId}.${build.platform}`,
          headers: { [QUEUE_RANK_HEADER]: String(rank) },
          expectedLastSequence: last.expected,
        });
        if (ack.duplicate) {
          this.last.delete(build.platform);
          return { sequence: ack.seq, rank: await this.rankAt(ack.seq, rank) };
        }
        this.last.set(build.platform, { expected: last.expected === 0 ? 0 : ack.seq, rank, own: ack.seq });
        return { sequence: ack.seq, rank };
      } catch (error) {
        const found = foundLastSequence(error);
        if (found !== null && (found === 0 || found === last.own)) this.last.set(build.platform, { ...last, expected: found });
        else this.last.delete(build.platform);
        if (!isWrongLastSequence(error) || attempt >= RACE_ATTEMPTS) throw error;
      }
    }
  }

  /** What the subject's last stored message says (rank 0 at sequence 0 when there is none). */
  private async readLast(subject: string): Promise<Expectation> {
    const last = await this.lastMessage(subject);
    return { expected: last.sequence, rank: last.rank, own: 0 };
  }

  /** The last stored message of a subject (rank 0 at sequence 0 when there is none). */
  private async lastMessage(subject: string): Promise<LastMessage> {
    const message = await lastStoredMessage(this.farm, BUILDS_STREAM, subject);
    if (!message) return { sequence: 0, rank: 0 };
    return { sequence: message.seq, rank: Number(message.header(QUEUE_RANK_HEADER) || 0) };
  }

  private async rankAt(sequence: number, fallback: number): Promise<number> {
    const message = await storedMessageAt(this.farm, BUILDS_STREAM, sequence).catch(() => null);
    return Number(message?.header(QUEUE_RANK_HEADER) || fallback);
  }

  /** How many queue messages of its platform are ahead of this waiting build's (running builds' included). */
  async position(build: BuildRecord): Promise<number> {
    if (build.queueSequence === null) return 0;
    const subject = subjects.buildQueue(build.platform);
    const [counts, last, rank] = await Promise.all([
      storedCounts(this.farm, BUILDS_STREAM, subject),
      this.lastMessage(subject),
      build.queueRank ?? this.rankAt(build.queueSequence, 0),
    ]);
    const stored = counts[subject] ?? 0;
    // A build queued before ranks existed (rank 0) is shown behind everything stored.
    const behind = rank > 0 ? last.rank - rank : 0;
    return Math.min(Math.max(stored - 1 - behind, 0), Math.max(stored - 1, 0));
  }
}
