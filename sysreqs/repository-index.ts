/**
 * A CRAN-like repository's package index (`src/contrib/PACKAGES`): which packages exist and what
 * they depend on, for package-name lookups and recursive resolution. Parsing and the dependency
 * closure are pure; `loadRepositoryIndex` does the I/O.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseDcf, providedByR } from '../r-metadata/index.ts';
import { asMalformed, toPackageRecord, type PackageRecord } from './description.ts';
import { repositoryUnavailable } from './errors.ts';
import type { Unmatched } from './resolver.ts';

/** The parsed index of one repository. */
export interface RepositoryIndex {
  /** Where it was read from. */
  readonly location: string;
  readonly packages: ReadonlyMap<string, PackageRecord>;
}

/** Parses PACKAGES text. */
export function parsePackagesIndex(text: string, location: string): RepositoryIndex {
  const packages = new Map<string, PackageRecord>();
  for (const record of asMalformed(() => parseDcf(text))) {
    const parsed = toPackageRecord(record);
    packages.set(parsed.name, parsed);
  }
  return { location, packages };
}

/** Options of `dependencyClosure`. */
export interface ClosureOptions {
  /** Follow the roots' Suggests too (never the Suggests of dependencies). */
  readonly suggests?: boolean;
}

/**
 * The roots and every package they need (Depends, Imports, LinkingTo, recursively), in
 * breadth-first order; dependencies the index lacks are reported, not dropped silently.
 */
export function dependencyClosure(
  roots: readonly PackageRecord[],
  index: RepositoryIndex,
  options: ClosureOptions = {},
): { records: PackageRecord[]; missing: Unmatched[] } {
  const seen = new Map<string, PackageRecord>(roots.map((root) => [root.name, root]));
  const missing: Unmatched[] = [];
  const queue = roots.map((record) => ({ record, root: true }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { record, root } = next;
    const fields: Array<[string, readonly string[]]> = [
      ['Depends', record.depends],
      ['Imports', record.imports],
      ['LinkingTo', record.linkingTo],
    ];
    if (root && options.suggests) fields.push(['Suggests', record.suggests]);
    for (const [field, names] of fields) {
      for (const name of names) {
        if (providedByR(name) || seen.has(name)) continue;
        const found = index.packages.get(name);
        if (!found) {
          if (field !== 'Suggests') missing.push({ package: record.name, field, text: name, reason: `not in the repository index ${index.location}` });
          continue;
        }
        seen.set(name, found);
        queue.push({ record: found, root: false });
      }
    }
  }
  return { records: [...seen.values()], missing };
}

async function readLocation(location: string): Promise<Uint8Array> {
  if (/^https?:\/\//.test(location)) {
    const response = await fetch(location);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  return readFile(location.startsWith('file:') ? fileURLToPath(location) : location);
}

/** Reads `<repository>/src/contrib/PACKAGES` (or `PACKAGES.gz`) from a URL or a local path. */
export async function loadRepositoryIndex(repository: string): Promise<RepositoryIndex> {
  const base = `${repository.replace(/\/+$/, '')}/src/contrib/PACKAGES`;
  try {
    return parsePackagesIndex(new TextDecoder().decode(await readLocation(base)), repository);
  } catch (plainError) {
    try {
      return parsePackagesIndex(new TextDecoder().decode(gunzipSync(await readLocation(`${base}.gz`))), repository);
    } catch {
      throw repositoryUnavailable(base, plainError);
    }
  }
}
