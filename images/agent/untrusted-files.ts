/**
 * The one place the agent reads what a build wrote. Everything in a job directory is the package's
 * doing, so it is read as hostile input: every path component is `lstat`ed (a symbolic link is
 * never followed, not even as a parent directory), only regular files are opened, with O_NOFOLLOW
 * and O_NONBLOCK (a FIFO or device cannot block or feed us forever), the opened file must be the one
 * that was checked, and no more than a cap is read. Listings are capped too.
 *
 * The agent calls these only after the step's sandbox has ended, when its pid namespace (and so
 * every process of the package) is gone: nothing can swap a file between the check and the read.
 */
import { constants } from 'node:fs';
import { chmod, lstat, open, opendir, readdir, rm, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** Why a file the build left was not taken. */
export class UntrustedFileRefused extends Error {
  override name = 'UntrustedFileRefused';
  constructor(
    readonly relativePath: string,
    readonly problem: string,
  ) {
    super(`${relativePath} ${problem}`);
  }
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Checks every component of `relativePath` under `root` without following links; the final stat. */
async function lstatChain(root: string, relativePath: string) {
  const parts = relativePath.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..' || part.includes(sep))) {
    throw new UntrustedFileRefused(relativePath, 'is not a plain relative path');
  }
  let path = root;
  for (const [index, part] of parts.entries()) {
    path = join(path, part);
    const stat = await lstat(path).catch(() => null);
    if (!stat) return null;
    const last = index === parts.length - 1;
    if (stat.isSymbolicLink())
      throw new UntrustedFileRefused(relativePath, `is a symbolic link${last ? '' : ` (at ${parts.slice(0, index + 1).join('/')})`}; links are never followed`);
    if (!last && !stat.isDirectory()) return null;
    if (last) {
      if (!stat.isFile()) throw new UntrustedFileRefused(relativePath, 'is not a regular file (a FIFO, device or directory); it was not read');
      return { path, stat };
    }
  }
  return null;
}

/**
 * The bytes of `root/relativePath`, or null when it does not exist. Throws UntrustedFileRefused when
 * it is a link, not a regular file, or larger than `maxBytes`.
 */
export async function readUntrustedFile(root: string, relativePath: string, maxBytes: number): Promise<Buffer | null> {
  const found = await lstatChain(root, relativePath);
  if (!found) return null;
  if (found.stat.size > maxBytes)
    throw new UntrustedFileRefused(relativePath, `is larger than the farm's limit for it (${found.stat.size} > ${maxBytes} bytes)`);
  const handle = await open(found.path, OPEN_FLAGS).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new UntrustedFileRefused(relativePath, 'is a symbolic link; links are never followed');
    throw error;
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.ino !== found.stat.ino || stat.dev !== found.stat.dev) {
      throw new UntrustedFileRefused(relativePath, 'changed while it was being read');
    }
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw new UntrustedFileRefused(relativePath, `is larger than the farm's limit for it (> ${maxBytes} bytes)`);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** Up to `maxNames` names in `root` (a directory the build could write) that satisfy `wanted`. */
export async function listUntrustedDirectory(root: string, wanted: (name: string) => boolean, maxNames: number): Promise<string[]> {
  const stat = await lstat(root).catch(() => null);
  if (!stat?.isDirectory()) return [];
  const found: string[] = [];
  const directory = await opendir(root);
  // Breaking out of the loop closes the directory.
  for await (const entry of directory) {
    if (wanted(entry.name)) found.push(entry.name);
    if (found.length >= maxNames) break;
  }
  return found.sort();
}

/**
 * Removes `path` and everything under it without following a symbolic link anywhere: a link is
 * removed, never what it points to. Directories a build closed (mode 000) are opened first, walking
 * by directory entries (a link is never a directory entry's directory). For trees no process writes
 * any more (the build's sandbox has ended).
 */
export async function removeUntrustedTree(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => null);
  if (!stat) return;
  if (!stat.isDirectory()) {
    await unlink(path);
    return;
  }
  // rm walks with lstat: links inside are unlinked, not followed.
  const removed = await rm(path, { recursive: true, force: true }).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EACCES' && error.code !== 'EPERM' && error.code !== 'ENOTEMPTY') throw error;
      return false;
    },
  );
  if (removed) return;
  await openDirectories(path);
  await rm(path, { recursive: true, force: true });
}

async function openDirectories(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await openDirectories(join(dir, entry.name));
}
