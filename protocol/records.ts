/**
 * Read-modify-write of KV records with revision checks, so two writers (an agent finishing a build
 * and a user cancelling it) never silently overwrite each other: the loser re-reads and decides again.
 */
import type { KV } from '@nats-io/kv';
import { decode, encode } from './messages.ts';
import { isWrongLastSequence } from './nats-errors.ts';
import { retryTransient } from './transient.ts';

/** A record and the KV revision it was read at. */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

/** The record under `key`, or null when there is none (or it was deleted). */
export async function readRecord<T>(kv: KV, key: string): Promise<Versioned<T> | null> {
  const entry = await retryTransient(() => kv.get(key));
  if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return null;
  return { value: decode<T>(entry.value), revision: entry.revision };
}

/** Writes a new record; fails if one exists. */
export async function createRecord<T>(kv: KV, key: string, value: T): Promise<number> {
  return kv.create(key, encode(value));
}

/**
 * Applies `change` to the current record until the write wins. `change` returns the new value,
 * or null to leave the record as it is (e.g. it is already terminal). Returns what was stored.
 */
export async function updateRecord<T>(kv: KV, key: string, change: (current: T) => T | null, attempts = 50): Promise<T | null> {
  return (await changeRecord(kv, key, change, null, attempts))?.value ?? null;
}

/**
 * `updateRecord` that also says the revision it left the record at, and can start from `known` (a
 * record this writer read or wrote a moment ago, or one a queue message carried) instead of
 * reading it first: one round trip instead of two on the hot paths (an agent starting a build). A
 * stale `known` costs one revision conflict, then it reads as usual; `reading`, a read of the
 * record sent together with the write, then stands in for the first read (the conflict costs no
 * round trip of its own).
 */
export async function changeRecord<T>(
  kv: KV,
  key: string,
  change: (current: T) => T | null,
  known: Versioned<T> | null = null,
  attempts = 50,
  reading?: Promise<Versioned<T> | null>,
): Promise<Versioned<T> | null> {
  let current = known;
  let prefetched = reading?.catch(() => null);
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (!current && prefetched) {
      // A read that failed or found nothing is made again below.
      current = await prefetched;
      prefetched = undefined;
    }
    current ??= await readRecord<T>(kv, key);
    if (!current) return null;
    const next = change(current.value);
    if (next === null) return current;
    const revision = current.revision;
    try {
      // A write whose answer was lost (a node died) may have landed: the retry then meets a
      // revision conflict, re-reads, and `change` sees its own write and leaves it be.
      return { value: next, revision: await retryTransient(() => kv.update(key, encode(next), revision)) };
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
      current = null;
    }
  }
  throw new Error(`record ${key} kept changing under us; gave up after ${attempts} attempts`);
}
