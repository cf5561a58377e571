/**
 * Which platforms a repository's commit is checked on. By default the proposal's "sane
 * defaults": r-devel on Debian, Windows, and the most recent macOS, mapped onto the catalogue;
 * a repository may name its own in `.rfarm.yml`. Only platforms with live workers run: the rest
 * of the defaults are dropped quietly, named ones get a skipped check run saying why.
 */
import { FarmError } from '../errors.ts';
import type { PlatformDirectory } from '../platforms/platform-directory.ts';

/** The proposal's defaults, as catalogue ids (a test keeps them in the catalogue). */
export const GITHUB_DEFAULT_PLATFORMS = ['r-devel-linux-x86_64-debian-gcc', 'r-devel-windows-x86_64', 'r-release-macos-arm64'] as const;

/** Platforms to check on now, and named ones nobody serves. */
export interface PlatformChoice {
  readonly run: readonly string[];
  readonly skipped: readonly string[];
}

/**
 * Chooses from `requested` (validated against the catalogue and live platforms; an unknown name
 * throws the API's `unknown_platform` error) or from the defaults; where none of the defaults
 * has a live worker, the farm's own defaults (FARM_DEFAULT_PLATFORMS, else its live platforms);
 * none at all when the farm has no live worker.
 */
export async function choosePlatforms(directory: PlatformDirectory, requested: readonly string[]): Promise<PlatformChoice> {
  const available = await directory.available();
  const live = new Set(available.filter((entry) => entry.liveWorkers > 0).map((entry) => entry.platform.id));
  if (requested.length > 0) {
    const named = await directory.choose(requested);
    return { run: named.filter((id) => live.has(id)), skipped: named.filter((id) => !live.has(id)) };
  }
  const defaults = GITHUB_DEFAULT_PLATFORMS.filter((id) => live.has(id));
  if (defaults.length > 0) return { run: defaults, skipped: [] };
  const farmDefaults = await directory.choose([]).catch((error: unknown) => {
    // No live worker at all: nothing to run, which the caller reports.
    if (error instanceof FarmError && error.code === 'no_platforms') return [];
    throw error;
  });
  return { run: farmDefaults, skipped: [] };
}
