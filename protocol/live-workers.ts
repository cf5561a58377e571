/**
 * The workers with a live heartbeat. The workers bucket's subjects are its live keys (an expired
 * heartbeat is gone; a deleted one reads as a DEL), and stream info lists them in one request,
 * without a consumer. Listing them with the KV client's `keys()` instead creates an ordered consumer
 * per call that can wait forever when a heartbeat lands while it is being read (seen in the
 * benchmark: a scan that never returned while the agent beat every few seconds), and the scaler's
 * role may create no consumer at all.
 */
import type { FarmConnection } from './jetstream.ts';
import { decode, keys, WORKERS_BUCKET, type WorkerRecord } from './messages.ts';
import { WORKERS_KV_STREAM } from './permissions.ts';
import { storedCounts } from './stream-reads.ts';

const KEY_PREFIX = `$KV.${WORKERS_BUCKET}.`;

/** Every worker whose heartbeat has not expired, in no particular order. */
export async function liveWorkers(farm: FarmConnection): Promise<WorkerRecord[]> {
  const subjects = await storedCounts(farm, WORKERS_KV_STREAM, `${KEY_PREFIX}${keys.worker('*')}`);
  const entries = await Promise.all(Object.keys(subjects).map((subject) => farm.workers.get(subject.slice(KEY_PREFIX.length))));
  return entries.filter((entry) => entry && entry.operation === 'PUT' && entry.value.length > 0).map((entry) => decode<WorkerRecord>(entry!.value));
}
