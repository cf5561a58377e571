/** The limits every upload route applies: the farm's configured sizes plus fixed bomb guards. */
import type { ArchiveLimits } from './package-archive.ts';

/** Builds the archive limits from the control plane's configured upload and unpacked sizes. */
export function uploadLimits(config: { readonly uploadLimitBytes: number; readonly unpackedLimitBytes: number }): ArchiveLimits {
  return {
    maxCompressedBytes: config.uploadLimitBytes,
    maxUnpackedBytes: config.unpackedLimitBytes,
    maxRatio: 200,
    maxEntries: 50_000,
    maxDescriptionBytes: 64 * 1024,
  };
}
