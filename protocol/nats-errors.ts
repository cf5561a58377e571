/**
 * What a NATS or JetStream failure means, read from the typed errors the @nats-io clients throw
 * (their classes and the server's JetStream API error codes), never from message text. The rest of
 * the code asks these questions; only `protocol/` knows how the answer is spelled.
 */
import { JetStreamApiCodes, JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';

/**
 * JetStream API error codes (nats-server's errors.json) of conditions that pass by themselves: a
 * cluster electing a leader or placing a stream, a node catching up, JetStream starting.
 */
export const TRANSIENT_API_CODES: ReadonlySet<number> = new Set([
  10004, // JSClusterIncompleteErr: incomplete results
  10005, // JSClusterNoPeersErr: no suitable peers for placement
  10007, // JSClusterNotAssignedErr: JetStream cluster not assigned to this server
  10008, // JSClusterNotAvailErr: JetStream system temporarily unavailable
  10009, // JSClusterNotLeaderErr: JetStream cluster can not handle request
  10023, // JSInsufficientResourcesErr: insufficient resources
  JetStreamApiCodes.JetStreamNotEnabledForAccount, // 10039: the account's JetStream is not up yet
  10076, // JSNotEnabledErr: JetStream not enabled (yet)
  10118, // JSStreamOfflineErr: stream is offline
  10119, // JSConsumerOfflineErr: consumer is offline
  10163, // JSStreamExpectedLastSeqPerSubjectNotReady: temporarily unavailable
]);

/** Codes that say the stream, consumer or message asked for does not exist. */
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([JetStreamApiCodes.StreamNotFound, JetStreamApiCodes.ConsumerNotFound, JetStreamApiCodes.NoMessageFound]);

/** Codes of a write whose expected last sequence (a KV revision, a queue's last message) was not the stored one. */
const WRONG_LAST_SEQUENCE_CODES: ReadonlySet<number> = new Set([JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown]);

/**
 * Codes of a write the store had no room for: JSStreamStoreFailedF (10077: the stream's max_bytes
 * or max_msgs reached with discard 'new', or its disk failed), JSStorageResourcesExceededErr
 * (10047) and JSInsufficientResourcesErr (10023: the server's or account's store limit; transient
 * too, as space may be freed).
 */
const STORE_FULL_CODES: ReadonlySet<number> = new Set([10077, 10047, 10023]);

/** Of those, the ones that are no reason to retry at once: the stream itself is full. */
const FULL_STREAM_CODES: ReadonlySet<number> = new Set([10077, 10047]);

/** JSStreamNameExistErr: a stream of that name exists (with another configuration). */
const STREAM_NAME_IN_USE = 10058;

/** The error and the causes it wraps (the clients wrap a request's failure in a RequestError). */
function* causes(error: unknown): Generator<unknown> {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

function apiCode(error: unknown): number | null {
  for (const cause of causes(error)) if (cause instanceof JetStreamApiError) return cause.code;
  return null;
}

/** Whether a NATS/JetStream error is worth retrying: the server or the connection will be back. */
export function isTransientNatsError(error: unknown): boolean {
  for (const cause of causes(error)) {
    if (cause instanceof TimeoutError || cause instanceof NoRespondersError) return true;
    if (cause instanceof ConnectionError || cause instanceof ClosedConnectionError || cause instanceof DrainingConnectionError) return true;
    // A request cut off by a disconnect is a RequestError of its own, without a cause.
    if (cause instanceof RequestError && cause.cause === undefined) return true;
    // A stream at its size limit answers 503 too, but stays full until something is deleted.
    if (cause instanceof JetStreamApiError) return TRANSIENT_API_CODES.has(cause.code) || (cause.status === 503 && !FULL_STREAM_CODES.has(cause.code));
    // A pull answered with a status (503: no responders while a node restarts; 408: request timeout).
    if (cause instanceof JetStreamError && 'code' in cause && (cause.code === 503 || cause.code === 408)) return true;
  }
  return false;
}

/** Whether a JetStream API error says the stream, consumer or message does not exist. */
export function isNotFound(error: unknown): boolean {
  const code = apiCode(error);
  return code !== null && NOT_FOUND_CODES.has(code);
}

/**
 * Whether a write was refused because the subject's last sequence was not the one it expected:
 * a KV revision conflict (another writer won) or a key that already exists on create.
 */
export function isWrongLastSequence(error: unknown): boolean {
  const code = apiCode(error);
  return code !== null && WRONG_LAST_SEQUENCE_CODES.has(code);
}

/**
 * The subject's last sequence as a refused write found it (`isWrongLastSequence`: JetStream says
 * "wrong last sequence: N"); 0 when the subject holds no message now. Null for any other error.
 */
export function foundLastSequence(error: unknown): number | null {
  if (!isWrongLastSequence(error)) return null;
  for (const cause of causes(error)) {
    const found = /wrong last sequence: (\d+)/.exec(cause instanceof Error ? cause.message : '');
    if (found) return Number(found[1]);
  }
  return null;
}

/** Whether a write was refused because the store (a stream's size limit, or the server's) had no room for it. */
export function isStoreFull(error: unknown): boolean {
  const code = apiCode(error);
  return code !== null && STORE_FULL_CODES.has(code);
}

/** Whether a stream could not be added because one of that name exists already. */
export function isStreamNameInUse(error: unknown): boolean {
  return apiCode(error) === STREAM_NAME_IN_USE;
}
