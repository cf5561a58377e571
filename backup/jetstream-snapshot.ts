/**
 * JetStream's own snapshot and restore of one stream, over plain NATS requests as the nats CLI
 * does (nats-server 2.9: `$JS.API.STREAM.SNAPSHOT.<stream>` / `$JS.API.STREAM.RESTORE.<stream>`;
 * nats.js 2.x has no client for them). A snapshot arrives as chunks on our inbox, each acked on
 * its reply subject (the server's flow control), ended by an empty message; a restore sends the
 * chunks back as requests to the subject the server names, ended by an empty one, whose answer is
 * the restored stream's info. The bytes are the server's own format (an s2-compressed tar): we
 * store them, never read them.
 * https://docs.nats.io/reference/reference-protocols/nats_api_reference
 */
import { createInbox, type NatsConnection } from '@nats-io/transport-node';

/** A stream's config and state as the server reports them with its snapshot, needed to restore it. */
export interface StreamSnapshotMeta {
  readonly config: Record<string, unknown> & { readonly name: string };
  readonly state: Record<string, unknown>;
}

/** The server refused or failed a snapshot or restore; `cause` carries its error when it sent one. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

const CHUNK_BYTES = 128 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface ApiAnswer {
  readonly error?: { readonly code: number; readonly description: string };
}

async function api<T extends ApiAnswer>(nc: NatsConnection, subject: string, body: unknown, timeoutMs: number): Promise<T> {
  const reply = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: timeoutMs });
  const answer = JSON.parse(decoder.decode(reply.data)) as T;
  if (answer.error) throw new SnapshotError(`${subject}: ${answer.error.description} (${answer.error.code})`);
  return answer;
}

/** The names of every stream of the account, all pages. */
export async function streamNames(nc: NatsConnection, timeoutMs = 10_000): Promise<string[]> {
  const names: string[] = [];
  for (;;) {
    const page = await api<ApiAnswer & { streams: string[] | null; total: number }>(nc, '$JS.API.STREAM.NAMES', { offset: names.length }, timeoutMs);
    names.push(...(page.streams ?? []));
    if ((page.streams ?? []).length === 0 || names.length >= page.total) return names;
  }
}

/** Snapshots `stream`, handing each chunk to `write` in order (on an inbox under `inboxPrefix`, the connection's); resolves with what a restore needs. */
export async function snapshotStream(
  nc: NatsConnection,
  stream: string,
  write: (chunk: Uint8Array) => Promise<void>,
  inboxPrefix = '_INBOX',
  timeoutMs = 30_000,
): Promise<StreamSnapshotMeta> {
  const inbox = createInbox(inboxPrefix);
  let failed: Error | null = null;
  let idle: NodeJS.Timeout | undefined;
  let subscription: ReturnType<NatsConnection['subscribe']> | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const watchdog = () => {
      clearTimeout(idle);
      idle = setTimeout(() => reject(new SnapshotError(`snapshot of ${stream}: no chunk for ${timeoutMs} ms`)), timeoutMs);
    };
    watchdog();
    let writing = Promise.resolve();
    subscription = nc.subscribe(inbox, {
      callback: (error, message) => {
        if (error) return reject(error);
        watchdog();
        if (message.data.length === 0) {
          clearTimeout(idle);
          writing.then(() => (failed ? reject(failed) : resolve()), reject);
          return;
        }
        const chunk = message.data;
        // Acked once written: the server waits for acks before it sends past its window.
        writing = writing
          .then(() => write(chunk))
          .then(
            () => void message.respond(),
            (error: Error) => void (failed = error),
          );
      },
    });
  });
  try {
    const meta = await api<ApiAnswer & StreamSnapshotMeta>(
      nc,
      `$JS.API.STREAM.SNAPSHOT.${stream}`,
      { deliver_subject: inbox, chunk_size: CHUNK_BYTES, no_consumers: false },
      timeoutMs,
    );
    await done;
    return { config: meta.config, state: meta.state };
  } finally {
    clearTimeout(idle);
    subscription?.unsubscribe();
  }
}

/** Restores `meta.config.name` from `chunks` (what snapshotStream wrote); the stream must not exist. */
export async function restoreStream(nc: NatsConnection, meta: StreamSnapshotMeta, chunks: AsyncIterable<Uint8Array>, timeoutMs = 30_000): Promise<void> {
  const stream = meta.config.name;
  const start = await api<ApiAnswer & { deliver_subject: string }>(
    nc,
    `$JS.API.STREAM.RESTORE.${stream}`,
    { config: meta.config, state: meta.state },
    timeoutMs,
  );
  for await (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length; offset += CHUNK_BYTES) {
      await nc.request(start.deliver_subject, chunk.subarray(offset, offset + CHUNK_BYTES), { timeout: timeoutMs });
    }
  }
  const end = await nc.request(start.deliver_subject, new Uint8Array(0), { timeout: Math.max(timeoutMs, 60_000) });
  const answer = JSON.parse(decoder.decode(end.data)) as ApiAnswer;
  if (answer.error) throw new SnapshotError(`restore of ${stream}: ${answer.error.description} (${answer.error.code})`);
}
