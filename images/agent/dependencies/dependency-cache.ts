/**
 * Where a host keeps installed R dependencies: one library per platform and R minor version
 * (packages built for R 4.4 are not for 4.5), shared by every agent on the host. Only the install
 * step may write to it, one agent at a time (`.lock`); checks see it read-only.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReadOnlyMount } from '../sandbox.ts';

/** Where the cache library appears inside a check's sandbox. */
export const CACHE_SANDBOX_PATH = '/rfarm/dependencies';

/** The host paths of one platform's cache. */
export interface DependencyCache {
  /** The cache's own directory: the install step's only writable place. */
  readonly root: string;
  /** The R library with the installed packages. */
  readonly library: string;
  /** The `flock` file serialising installs into this cache. */
  readonly lockFile: string;
}

/** R's minor version ("4.2") from "R 4.2.2" or "4.2.2"; what binary compatibility follows. */
export function rMinorVersion(rVersion: string): string {
  const match = /(\d+)\.(\d+)/.exec(rVersion);
  if (!match) throw new Error(`cannot read an R version from '${rVersion}'`);
  return `${match[1]}.${match[2]}`;
}

/** The cache of `platformId` and `rVersion` under `cacheRoot`. */
export function dependencyCacheFor(cacheRoot: string, platformId: string, rVersion: string): DependencyCache {
  const root = resolve(cacheRoot, platformId, `R-${rMinorVersion(rVersion)}`);
  return { root, library: join(root, 'library'), lockFile: join(root, '.lock') };
}

/** Makes the cache's directories if they are not there yet. */
export async function ensureDependencyCache(cache: DependencyCache): Promise<void> {
  await mkdir(cache.library, { recursive: true });
}

/** How a check sees the cache: read-only, at a fixed path. */
export function cacheMount(cache: DependencyCache): ReadOnlyMount {
  return { hostPath: cache.library, sandboxPath: CACHE_SANDBOX_PATH };
}
