/** The R packages the benchmarks submit, packed with the system `tar` as a user would. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { documentedHello, packages, writePackage, type PackageSpec } from '../test/support/r-packages.ts';

export { packages, writePackage, type PackageSpec };

/** `tar czf` of the package folder (not R CMD build: the farm builds it); leaves nothing behind. */
export function packPackage(spec: PackageSpec): Buffer {
  const root = writePackage(spec);
  try {
    execFileSync('tar', ['-czf', 'pkg.tar.gz', spec.name], { cwd: root });
    return readFileSync(join(root, 'pkg.tar.gz'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * A package the control plane accepts and R CMD build rejects within a second ("Malformed
 * Authors@R field"): the agent really starts the build, so the record's checkStartedAt is real,
 * and the build is over soon after. For measuring dispatch without waiting for 200 full checks.
 */
export function quickRejectSpec(): PackageSpec {
  return { name: 'dispatchprobe', fields: { 'Authors@R': 'person(' }, files: documentedHello };
}

/** The tiny real package: one documented function, a check with nothing to say. */
export function tinySpec(name = 'benchtiny'): PackageSpec {
  return packages.ok(name);
}

/**
 * The tiny package plus an incompressible data file, so its .tar.gz is about `bytes` long
 * (base64 of random bytes compresses to about 3/4 of its length).
 */
export function paddedSpec(bytes: number, name = 'benchupload'): PackageSpec {
  const noise = randomBytes(Math.round(bytes * 0.99))
    .toString('base64')
    .replace(/(.{76})/g, '$1\n');
  return { ...packages.ok(name), files: { ...documentedHello, 'inst/extdata/noise.txt': noise } };
}
