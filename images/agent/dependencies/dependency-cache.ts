/**
 * Where a host keeps installed R dependencies: one library per platform and R minor version
 * (packages built for R 4.4 are not for 4.5), shared by every agent on the host. Only the install
 * step may write to it, one agent at a time (`.lock`); checks see it read-only.
 */
import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ReadOnlyMount, SandboxIdentity } from '../sandbox.ts';

const run = promisify(execFile);

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

/**
 * Makes the cache's directories if they are not there yet, owned by the install step's identity
 * (a cache made before, by another owner, is handed over once).
 */
export async function ensureDependencyCache(cache: DependencyCache, owner?: SandboxIdentity): Promise<void> {
  await mkdir(cache.library, { recursive: true });
  if (!owner) return;
  const current = await stat(cache.root);
  if (current.uid !== owner.uid || (await stat(cache.library)).uid !== owner.uid) {
    await run('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, cache.root]);
  }
}

/** How a check sees the cache: read-only, at a fixed path. */
export function cacheMount(cache: DependencyCache): ReadOnlyMount {
  return { hostPath: cache.library, sandboxPath: CACHE_SANDBOX_PATH };
}
