/**
 * What `rfarm submit` uploads: a source tarball as given, or a package directory built first with
 * `R CMD build`, as CRAN expects (vignettes built, the tarball named <pkg>_<version>.tar.gz).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError } from './cli-errors.ts';

/** The bytes to upload and the file name they came from (or were built as). */
export interface PackageTarball {
  readonly name: string;
  readonly data: Uint8Array;
}

function runRCmdBuild(directory: string, workDir: string, log: (line: string) => void): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('R', ['CMD', 'build', directory], { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-3000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        new CliError(
          error.code === 'ENOENT'
            ? 'building a package directory needs R on the PATH (`R CMD build`); install R, or build the .tar.gz elsewhere and submit that'
            : `R CMD build did not start: ${error.message}`,
          undefined,
          { cause: error },
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return done();
      log(tail.trimEnd());
      fail(new CliError(`R CMD build failed (exit ${code}) for ${directory}; its output is above. Fix the package, or submit a .tar.gz you built yourself`));
    });
  });
}

/** Reads a tarball, or builds a directory with `R CMD build`; `log` hears what happens. */
export async function packageTarball(path: string, log: (line: string) => void): Promise<PackageTarball> {
  const full = resolve(path);
  if (!existsSync(full)) throw new CliError(`no such file or directory: ${path}`);
  if (!statSync(full).isDirectory()) return { name: path, data: readFileSync(full) };
  if (!existsSync(join(full, 'DESCRIPTION')))
    throw new CliError(`${path} is a directory without a DESCRIPTION file: point at an R package's folder or its .tar.gz`);
  const workDir = mkdtempSync(join(tmpdir(), 'rfarm-build-'));
  try {
    log(`rfarm: building ${path} with R CMD build…`);
    await runRCmdBuild(full, workDir, log);
    const built = readdirSync(workDir).find((name) => name.endsWith('.tar.gz'));
    if (!built) throw new CliError(`R CMD build made no .tar.gz for ${path}`);
    log(`rfarm: built ${built}`);
    return { name: built, data: readFileSync(join(workDir, built)) };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
