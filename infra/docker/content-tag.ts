/**
 * Content tags: a worker image is tagged with a digest of everything that goes into it, so an
 * unchanged definition never rebuilds and a changed one always gets a new tag.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AGENT_IMAGE_INPUTS } from '../../images/index.ts';

/** Files under `paths` (relative to `root`), recursively, sorted. */
export function filesUnder(root: string, paths: readonly string[]): string[] {
  const walk = (path: string): string[] => {
    const absolute = join(root, path);
    let stat;
    try {
      stat = statSync(absolute);
    } catch {
      return [];
    }
    if (!stat.isDirectory()) return [path];
    return readdirSync(absolute)
      .filter((entry) => entry !== 'node_modules')
      .flatMap((entry) => walk(join(path, entry)));
  };
  return paths.flatMap(walk).sort();
}

/** Pure: a 12-hex tag from (path, content) pairs. */
export function contentTag(files: readonly { readonly path: string; readonly content: Buffer | string }[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.path).update('\0').update(file.content).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** The tag of a build context: reads the files and hashes them. */
export function contextTag(root: string, paths: readonly string[]): string {
  return contentTag(filesUnder(root, paths).map((path) => ({ path: relative(root, join(root, path)), content: readFileSync(join(root, path)) })));
}

/** What a Linux worker image is built from, relative to the repository root (the agent target of the one definition). */
export function workerImageInputs(): string[] {
  return [...AGENT_IMAGE_INPUTS];
}

/** The tag of one platform's worker image: its inputs and its build arguments. */
export function workerImageTag(root: string, args: Readonly<Record<string, string>>): string {
  const files = filesUnder(root, workerImageInputs()).map((path) => ({ path, content: readFileSync(join(root, path)) }));
  return contentTag([{ path: 'build-args', content: JSON.stringify(args) }, ...files]);
}
