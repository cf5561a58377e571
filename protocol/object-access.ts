/**
 * Reading objects by name alone, the way an agent's credentials allow (permissions.ts). nats.js
 * reads an object's metadata with a stream "message get", whose request body may name any
 * sequence, and its chunks through a consumer whose filter travels in the request body: whoever
 * may do either may walk the whole store. Here the metadata comes from a direct get that names its
 * subject in the request subject, and the chunks from a consumer created with its filter in the
 * request subject, so an agent reads the objects it can name and cannot list the rest.
 */
import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { ObjectInfo } from '@nats-io/obj';
import { headers as natsHeaders, nuid } from '@nats-io/transport-node';

const urlSafe = (base64: string) => base64.replace(/\+/g, '-').replace(/\//g, '_');
const objectStream = (bucket: string) => `OBJ_${bucket}`;

/** The object-store metadata subject of `name` (nats.js: URL-safe base64, padded). */
export function objectMetaSubject(bucket: string, name: string): string {
  return `$O.${bucket}.M.${urlSafe(Buffer.from(name).toString('base64'))}`;
}

/** The object's metadata (as nats.js's own lookup returns it), or null when there is none. */
export async function readObjectInfoByName(jsm: JetStreamManager, bucket: string, name: string): Promise<ObjectInfo | null> {
  const message = await jsm.direct.getMessage(objectStream(bucket), { last_by_subj: objectMetaSubject(bucket, name) });
  return message ? { ...message.json<ObjectInfo>(), revision: message.seq } : null;
}

/** The object's content, checked against its digest; null when there is no such object. */
export async function readObjectByName(js: JetStreamClient, jsm: JetStreamManager, bucket: string, name: string): Promise<Uint8Array | null> {
  const info = await readObjectInfoByName(jsm, bucket, name);
  if (!info || info.deleted) return null;
  if (info.size === 0) return new Uint8Array(0);
  const consumerName = nuid.next();
  await jsm.consumers.add(objectStream(bucket), {
    name: consumerName,
    filter_subject: `$O.${bucket}.C.${info.nuid}`,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    mem_storage: true,
    num_replicas: 1,
    // Nobody deletes it (an agent may not): the server drops it once it is idle.
    inactive_threshold: 30 * 1e9,
  });
  const consumer = await js.consumers.get(objectStream(bucket), consumerName);
  const chunks: Uint8Array[] = [];
  const hash = createHash('sha256');
  while (chunks.length < info.chunks) {
    const batch = await consumer.fetch({ max_messages: info.chunks - chunks.length, expires: 10_000 });
    let received = 0;
    for await (const message of batch) {
      chunks.push(message.data);
      hash.update(message.data);
      received++;
    }
    if (received === 0) throw new Error(`object ${name}: no chunks arrived for 10 s (${chunks.length} of ${info.chunks} read)`);
  }
  const digest = `SHA-256=${urlSafe(hash.digest('base64'))}`;
  if (digest !== info.digest) throw new Error(`object ${name} is corrupt: its digest is ${info.digest}, its chunks give ${digest}`);
  return Buffer.concat(chunks);
}

/**
 * Chunk size of the objects written here: four times nats.js's default, so a 1 MB upload is two
 * publishes and two acknowledgements instead of eight: about 1 ms less of the writer's CPU per MB,
 * and less of nats-server's. Kept within the server's max_payload (1 MB unless configured otherwise).
 */
export const CHUNK_BYTES = 512 * 1024;
/** Bytes of chunk publishes awaiting their acknowledgement at once (16 of nats.js's 128 KiB chunks). */
const BYTES_IN_FLIGHT = 2 * 1024 * 1024;

/**
 * Writes `data` as object `name` of `bucket` the way an agent's credentials allow: its chunks under
 * a fresh nuid, then its metadata as a rollup on the name's subject — what nats.js's put does,
 * without the purges an agent may not send and without its first look for an object of that name
 * (a last-by-subject get that nats-server 2.9 answers, for a name not there, by searching every
 * block of the store: slower the more the store holds). nats.js purges the chunks of a failed put itself, and
 * when that purge is refused the error it throws is the refusal, hiding why the put failed (a full
 * store). Here the store's own error comes back (`isStoreFull` recognises it), and the chunks a
 * failed put left, like those of an object it replaced, are purged by the control plane's sweep
 * (object-chunks.ts).
 */
export async function writeObjectByName(
  js: JetStreamClient,
  bucket: string,
  name: string,
  data: Uint8Array,
  chunkBytes = CHUNK_BYTES,
  /** Awaited before the metadata (which names the object) is written; its failure fails the write. */
  metadataAfter?: Promise<unknown>,
): Promise<ObjectInfo> {
  // nats.js's own put reads the server's limit the same way (its client type does not show `nc`).
  const maxPayload = (js as { nc?: { info?: { max_payload?: number } } }).nc?.info?.max_payload;
  const chunkSize = maxPayload ? Math.min(chunkBytes, maxPayload) : chunkBytes;
  const publishesInFlight = Math.max(1, Math.floor(BYTES_IN_FLIGHT / chunkSize));
  // Settled into a value at once: a failure that comes while the chunks go out is not left unhandled.
  const named = (metadataAfter ?? Promise.resolve()).then(
    () => null,
    (error: unknown) => ({ error }),
  );
  const id = nuid.next();
  const hash = createHash('sha256');
  let chunks = 0;
  // Chunks go out BYTES_IN_FLIGHT at a time rather than one round trip each; one connection
  // keeps them in order, and a reader checks the digest over them in stream order anyway.
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  for (let offset = 0; offset < data.length && !failure; offset += chunkSize) {
    const chunk = data.subarray(offset, Math.min(data.length, offset + chunkSize));
    hash.update(chunk);
    const published: Promise<void> = js
      .publish(`$O.${bucket}.C.${id}`, chunk)
      .then(
        () => undefined,
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => inFlight.delete(published));
    inFlight.add(published);
    chunks++;
    if (inFlight.size >= publishesInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw (failure as { error: unknown }).error;
  const waited = await named;
  if (waited) throw waited.error;
  const info = {
    name,
    description: '',
    options: { max_chunk_size: chunkSize },
    bucket,
    nuid: id,
    size: data.length,
    chunks,
    mtime: new Date().toISOString(),
    digest: `SHA-256=${urlSafe(hash.digest('base64'))}`,
    deleted: false,
  };
  const rollup = natsHeaders();
  rollup.set('Nats-Rollup', 'sub');
  const ack = await js.publish(objectMetaSubject(bucket, name), JSON.stringify(info), { headers: rollup });
  return { ...info, revision: ack.seq } as unknown as ObjectInfo;
}
