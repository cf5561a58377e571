/**
 * What a build keeps, and from where. The built source package is taken once, before any check
 * runs, into the agent's private directory with its digest: that copy is what is checked again,
 * what the user downloads and what is published. The rest (binary package, logs) is read from the
 * job directory through untrusted-files.ts, capped; a file the farm refuses (a link, a FIFO, a
 * device, too large) becomes an ERROR item naming it, never a read.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckItem } from '../../protocol/index.ts';
import { listUntrustedDirectory, readUntrustedFile, UntrustedFileRefused } from './untrusted-files.ts';

/** A file to keep: its artifact name, its bytes (already read and capped) and their SHA-256. */
export interface ArtifactFile {
  readonly name: string;
  readonly data: Buffer;
  readonly sha256: string;
}

/** Caps on what one build may leave. */
export const ARTIFACT_LIMITS = Object.freeze({
  /** A source or binary package. */
  packageBytes: 200_000_000,
  /** 00check.log, 00install.out. */
  logBytes: 20_000_000,
  /** Binary packages taken (R makes one). */
  binaries: 2,
});

export function artifactOf(name: string, data: Buffer): ArtifactFile {
  return { name, data, sha256: createHash('sha256').update(data).digest('hex') };
}

/** An ERROR item for a file the build left that the farm refused to take. */
export function refusedItem(error: UntrustedFileRefused): CheckItem {
  return { severity: 'ERROR', check: 'files left by the build', text: `${error.relativePath}: ${error.problem}. The farm did not take it.` };
}

/** Reads `relativePath` of the job directory as an artifact; refusals go to `problems`. */
export async function takeFromJobDirectory(
  jobDir: string,
  relativePath: string,
  name: string,
  maxBytes: number,
  problems: CheckItem[],
): Promise<ArtifactFile | null> {
  try {
    const data = await readUntrustedFile(jobDir, relativePath, maxBytes);
    return data ? artifactOf(name, data) : null;
  } catch (error) {
    if (error instanceof UntrustedFileRefused) {
      problems.push(refusedItem(error));
      return null;
    }
    throw error;
  }
}

/** The binary packages `R CMD INSTALL --build` left in `dir` (`<pkg>_<version>_R_<platform>.tar.gz`). */
export async function takeBinaries(dir: string, packageName: string, version: string, problems: CheckItem[]): Promise<ArtifactFile[]> {
  const prefix = `${packageName}_${version}_R_`;
  const names = await listUntrustedDirectory(dir, (name) => name.startsWith(prefix) && name.endsWith('.tar.gz'), ARTIFACT_LIMITS.binaries);
  const taken: ArtifactFile[] = [];
  for (const name of names) {
    const file = await takeFromJobDirectory(dir, name, name, ARTIFACT_LIMITS.packageBytes, problems);
    if (file) taken.push(file);
  }
  return taken;
}

/** The agent's own copy of a file it wrote itself (the console log), outside any job directory. */
export async function agentArtifact(name: string, path: string): Promise<ArtifactFile> {
  return artifactOf(name, await readFile(path));
}

/** The check's logs from `<pkg>.Rcheck/`. */
export async function takeCheckLogs(jobDir: string, packageName: string, problems: CheckItem[]): Promise<ArtifactFile[]> {
  const logs: ArtifactFile[] = [];
  for (const name of ['00check.log', '00install.out']) {
    const file = await takeFromJobDirectory(jobDir, join(`${packageName}.Rcheck`, name), name, ARTIFACT_LIMITS.logBytes, problems);
    if (file) logs.push(file);
  }
  return logs;
}
