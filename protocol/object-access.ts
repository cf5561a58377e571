/**
 * Reading an object's metadata by its name alone. nats.js reads it with a stream "message get",
 * whose request body may name any sequence, so whoever may use it may walk the whole store. A
 * direct get with the metadata subject in the request subject can be allowed per subject: agents
 * read the objects they can name and cannot list the rest (permissions.ts).
 */
import type { JetStreamManager, ObjectInfo, StoredMsg } from 'nats';
import { isNotFound } from './not-found.ts';

// nats.js's manager has `direct` at run time; its public type does not list it.
type DirectGetter = JetStreamManager & { direct: { getMessage(stream: string, query: { last_by_subj: string }): Promise<StoredMsg> } };

/** The object-store metadata subject of `name` (nats.js: URL-safe base64, padded). */
export function objectMetaSubject(bucket: string, name: string): string {
  return `$O.${bucket}.M.${Buffer.from(name).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;
}

/** The object's metadata (as nats.js's own lookup returns it), or null when there is none. */
export async function readObjectInfoByName(jsm: JetStreamManager, bucket: string, name: string): Promise<ObjectInfo | null> {
  try {
    const message = await (jsm as DirectGetter).direct.getMessage(`OBJ_${bucket}`, { last_by_subj: objectMetaSubject(bucket, name) });
    return { ...(message.json<ObjectInfo>()), revision: message.seq };
  } catch (error) {
    if (isNotFound(error) || (error as { code?: string }).code === '404') return null;
    throw error;
  }
}
