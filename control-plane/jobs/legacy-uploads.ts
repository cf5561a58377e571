/**
 * Uploads a farm from before the uploads store left in the artifacts store. Uploads and artifacts
 * once shared one object store, `rfarm_objects`; the artifacts store kept that name
 * (protocol/messages.ts), so a farm upgraded in place keeps its artifacts where they were, and its
 * uploads are moved by this, once, when the control plane starts: agents may read only the
 * uploads store, and jobs queued across the upgrade, and reverse-dependency checks against older
 * submissions, need their uploads there.
 */
import type { FarmConnection } from '../../protocol/index.ts';
import { objectOwner } from '../retention/index.ts';

/**
 * Moves every upload found in the artifacts store to the uploads store (copied, then deleted from
 * the artifacts store), and says how many it moved. One already in the uploads store (a move a
 * restart interrupted, or another control plane's) is not copied again. Nothing to move on a farm
 * created after the split.
 */
export async function moveLegacyUploads(farm: Pick<FarmConnection, 'uploads' | 'artifacts'>): Promise<number> {
  let moved = 0;
  for (const info of await farm.artifacts.list()) {
    if (info.deleted || objectOwner(info.name)?.kind !== 'upload') continue;
    const present = await farm.uploads.info(info.name);
    if (!present || present.deleted) {
      const data = await farm.artifacts.getBlob(info.name);
      if (data) await farm.uploads.putBlob({ name: info.name }, data);
    }
    await farm.artifacts.delete(info.name);
    moved++;
  }
  return moved;
}
