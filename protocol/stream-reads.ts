/**
 * Publishing to and reading from the farm's two streams (the builds work queue and the console
 * output) without handing out the JetStream client: stored messages come back as plain values, and
 * an ordered read cleans up its consumer when it ends.
 */
import type { JsMsg, StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { FarmConnection } from './jetstream.ts';
import { BUILDS_STREAM, OUTPUT_STREAM, subjects } from './messages.ts';
import { JOBS_KV_STREAM, WORKERS_KV_STREAM } from './permissions.ts';

/** The farm's streams, by what they hold (the buckets' streams list their keys by subject). */
export type FarmStream = typeof BUILDS_STREAM | typeof OUTPUT_STREAM | typeof WORKERS_KV_STREAM | typeof JOBS_KV_STREAM;

/** One stored message. */
export interface StoredMessage {
  /** Its stream sequence. */
  readonly seq: number;
  readonly data: Uint8Array;
  /** A header's value, '' when it is absent. */
  header(name: string): string;
}

/** One message of an ordered read. */
export interface ReadMessage extends StoredMessage {
  /** Messages of the read's subject stored after this one, as the server counted when it sent it. */
  readonly pending: number;
}

/** What a queue publish did. */
export interface PublishedMessage {
  readonly seq: number;
  /** The stream already held a message with this id (inside its duplicate window): nothing was stored. */
  readonly duplicate: boolean;
}

function storedMessage(message: StoredMsg): StoredMessage {
  return { seq: message.seq, data: message.data, header: (name) => message.header?.get(name) ?? '' };
}

/**
 * Publishes a build request on `platform`'s queue subject with message id `id` (a repeat inside
 * the duplicate window is stored once), only if the subject's last stored message is still
 * `expectedLastSequence` (0: none); otherwise fails with an error `isWrongLastSequence` recognises.
 */
export async function publishQueued(
  farm: FarmConnection,
  platform: string,
  data: Uint8Array,
  options: { readonly id: string; readonly headers: Readonly<Record<string, string>>; readonly expectedLastSequence: number },
): Promise<PublishedMessage> {
  const messageHeaders = natsHeaders();
  for (const [name, value] of Object.entries(options.headers)) messageHeaders.set(name, value);
  const ack = await farm.js.publish(subjects.buildQueue(platform), data, {
    msgID: options.id,
    headers: messageHeaders,
    expect: { lastSubjectSequence: options.expectedLastSequence },
  });
  return { seq: ack.seq, duplicate: ack.duplicate };
}

/** The last message stored on `subject`, or null when there is none. */
export async function lastStoredMessage(farm: FarmConnection, stream: FarmStream, subject: string): Promise<StoredMessage | null> {
  const message = await farm.jsm.streams.getMessage(stream, { last_by_subj: subject });
  return message ? storedMessage(message) : null;
}

/** The message stored at `seq`, or null when there is none (acked off a work queue, or expired). */
export async function storedMessageAt(farm: FarmConnection, stream: FarmStream, seq: number): Promise<StoredMessage | null> {
  const message = await farm.jsm.streams.getMessage(stream, { seq });
  return message ? storedMessage(message) : null;
}

/** How many messages are stored on each subject matching `filter` (a subject or a wildcard). */
export async function storedCounts(farm: FarmConnection, stream: FarmStream, filter: string): Promise<Record<string, number>> {
  const info = await farm.jsm.streams.info(stream, { subjects_filter: filter });
  return info.state.subjects ?? {};
}

/** An ordered read of one subject: iterate its messages; `close` ends it and deletes its consumer. */
export interface OrderedRead extends AsyncIterable<ReadMessage> {
  close(): Promise<void>;
}

/**
 * Reads every message of `subject` from the start, in order, through an ordered consumer (a new
 * one after a gap) that pulls `batch` ahead. The server drops a consumer left idle `inactiveMs`.
 */
export async function readOrdered(
  farm: FarmConnection,
  stream: FarmStream,
  subject: string,
  options: { readonly batch: number; readonly inactiveMs: number },
): Promise<OrderedRead> {
  const consumer = await farm.js.consumers.get(stream, { filter_subjects: subject, inactive_threshold: options.inactiveMs });
  const messages = await consumer.consume({ max_messages: options.batch });
  // The ordered consumer is recreated under a new name after a gap: delete whichever served last.
  let consumerName: string | null = null;
  const readMessage = (msg: JsMsg): ReadMessage => {
    consumerName = msg.info.consumer;
    return { seq: msg.seq, data: msg.data, pending: msg.info.pending, header: (name) => msg.headers?.get(name) ?? '' };
  };
  let closing: Promise<void> | null = null;
  return {
    async *[Symbol.asyncIterator]() {
      for await (const msg of messages) yield readMessage(msg);
    },
    close() {
      closing ??= (async () => {
        await messages.close().catch(() => undefined);
        if (consumerName) await farm.jsm.consumers.delete(stream, consumerName).catch(() => undefined);
      })();
      return closing;
    },
  };
}

/** One of the farm's stores (streams, buckets) as its stream reports it: name, bytes and messages held, byte limit. */
export interface StoreUsage {
  readonly name: string;
  readonly bytes: number;
  readonly messages: number;
  /** The stream's max_bytes; 0 or less: none. */
  readonly maxBytes: number;
}

/** Every stream's usage, for refusing new work before a store fills. */
export async function storeUsage(farm: FarmConnection): Promise<StoreUsage[]> {
  const found: StoreUsage[] = [];
  for await (const info of farm.jsm.streams.list()) {
    found.push({ name: info.config.name, bytes: info.state.bytes, messages: info.state.messages, maxBytes: info.config.max_bytes ?? -1 });
  }
  return found;
}
