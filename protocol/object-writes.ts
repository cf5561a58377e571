/**
 * Writing an object under a name no object has yet (a new job's upload), for code outside
 * protocol/ that holds a farm connection: the write of object-access.ts, which skips nats.js's look
 * for an old object of that name — a search of every block of the store on nats-server 2.9, so a
 * submission got slower the more the farm held.
 */
import type { FarmConnection } from './jetstream.ts';
import { writeObjectByName } from './object-access.ts';

/**
 * Stores `data` as object `name` of `bucket`; a retry after a failure writes it afresh (the sweep
 * purges what the failed try left). With `namedAfter`, the chunks go out at once and the metadata,
 * which makes the object exist under its name, only once that has settled (and not if it failed).
 */
export async function writeNewObject(
  farm: Pick<FarmConnection, 'js'>,
  bucket: string,
  name: string,
  data: Uint8Array,
  namedAfter?: Promise<unknown>,
): Promise<void> {
  await writeObjectByName(farm.js, bucket, name, data, undefined, namedAfter);
}
