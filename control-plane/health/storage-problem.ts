/**
 * The storage guard's decision, apart from its measuring: given a look at the farm's file systems
 * and streams, and the work accepted since that the look may not show, says why new work must be
 * refused, or null. Pure, so every case is tested without filling a disk.
 */
import type { StoreUsage } from '../../protocol/index.ts';

/** What a look found. */
export interface StorageLook {
  /** Free bytes on each file system of FARM_STORE_DIRS that could be measured. */
  readonly dirs: readonly { readonly dir: string; readonly freeBytes: number }[];
  /** Every JetStream stream's usage and size limit. */
  readonly streams: readonly StoreUsage[];
  /** Builds queued or running when the look was taken. */
  readonly unfinishedBuilds: number;
  /** The stream that receives uploads. */
  readonly uploadStream: string;
  /** The stream that receives the artifacts of builds still to finish. */
  readonly artifactStream: string;
}

/** Work accepted that the look may not show: its uploads' bytes and its builds. */
export interface UnseenWork {
  readonly uploadBytes: number;
  readonly builds: number;
}

export interface StorageLimits {
  readonly minFreeBytes: number;
  readonly refusePercent: number;
  readonly reservePerBuildBytes: number;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Why the farm must take no new work, or null when it has room. */
export function storageProblem(look: StorageLook, unseen: UnseenWork, limits: StorageLimits): string | null {
  const unfinished = look.unfinishedBuilds + unseen.builds;
  const reserved = unfinished * limits.reservePerBuildBytes;
  const reserving =
    reserved > 0 ? `, after setting aside ${megabytes(reserved)} for the ${unfinished} builds not yet finished (FARM_STORE_RESERVE_PER_BUILD_BYTES each)` : '';
  for (const { dir, freeBytes } of look.dirs) {
    // An upload accepted since the look takes room the look still counted as free.
    const free = Math.max(0, freeBytes - unseen.uploadBytes);
    if (free - reserved < limits.minFreeBytes) {
      return `the file system of ${dir} has ${megabytes(free)} free${reserving}, below the farm's floor of ${megabytes(limits.minFreeBytes)} (FARM_MIN_FREE_STORE_BYTES)`;
    }
  }
  for (const info of look.streams) {
    const limit = info.maxBytes;
    if (!limit || limit <= 0) continue;
    const receivesArtifacts = info.name === look.artifactStream;
    const expected = info.bytes + (info.name === look.uploadStream ? unseen.uploadBytes : 0) + (receivesArtifacts ? reserved : 0);
    if (expected * 100 >= limit * limits.refusePercent) {
      const held = info.bytes + (info.name === look.uploadStream ? unseen.uploadBytes : 0);
      return `the farm's store '${info.name}' holds ${megabytes(held)} of its ${megabytes(limit)} limit${receivesArtifacts ? reserving : ''} (over ${limits.refusePercent} %, FARM_STORE_REFUSE_PERCENT)`;
    }
  }
  return null;
}
