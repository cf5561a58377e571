/**
 * Chunks of an object store that no object's metadata names: what a put left when the store
 * refused it part-way (an agent may not purge, object-access.ts), and the chunks of an object that
 * was replaced or deleted by a client that could not purge. They take room and nobody can read
 * them, so the control plane's retention sweep purges them once they are old enough that no put
 * can still be writing them.
 */
import type { ObjectStore } from '@nats-io/obj';
import type { FarmConnection } from './jetstream.ts';

/** Purges `bucket`'s chunks that no live object names and whose last chunk is older than `minAgeMs`; returns how many objects' chunks went. */
export async function purgeOrphanChunks(
  farm: Pick<FarmConnection, 'jsm'>,
  store: ObjectStore,
  bucket: string,
  minAgeMs: number,
  now = Date.now(),
): Promise<number> {
  const stream = `OBJ_${bucket}`;
  const prefix = `$O.${bucket}.C.`;
  const info = await farm.jsm.streams.info(stream, { subjects_filter: `${prefix}>` });
  const chunkSubjects = Object.keys(info.state.subjects ?? {});
  if (chunkSubjects.length === 0) return 0;
  // Listed after the chunks: an object whose metadata lands in between is still seen as live.
  const live = new Set((await store.list()).filter((object) => !object.deleted).map((object) => object.nuid));
  let purged = 0;
  for (const subject of chunkSubjects) {
    if (live.has(subject.slice(prefix.length))) continue;
    const last = await farm.jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (!last || now - last.time.getTime() < minAgeMs) continue;
    await farm.jsm.streams.purge(stream, { filter: subject });
    purged++;
  }
  return purged;
}
