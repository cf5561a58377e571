/**
 * What a sandbox on a host without bubblewrap (Windows, macOS, Solaris) needs to know of one build
 * step. The generators beside this file (windows-sandbox.ts, macos-sandbox.ts, solaris-sandbox.ts)
 * turn it into the host's own commands and policies; they are pure, so the tests here check
 * exactly what a real host would run.
 */

/** Limits of one build, whatever the OS enforces them with. */
export interface ForeignSandboxLimits {
  /** Largest file the build may write, bytes. */
  readonly maxFileBytes: number;
  /** Most processes (and, on Windows, active processes in the job). */
  readonly maxProcesses: number;
  /** Memory of the whole build, bytes. */
  readonly memoryBytes: number;
  /** CPU time of the whole build, seconds. */
  readonly cpuSeconds: number;
}

/** One step of a build on a foreign host. */
export interface ForeignSandboxSpec {
  /** The build's id, `[a-z0-9-]`, short: names the per-build account, rule and project. */
  readonly buildId: string;
  /** Absolute host path of the build's own directory, the only place it may write. */
  readonly jobDir: string;
  /** The command and its arguments. */
  readonly command: readonly string[];
  /** Keep the network (only for the dependency step, never for the check). */
  readonly network: boolean;
  /** Host directories the step may read besides the system (the dependency cache, the agent's scripts). */
  readonly readable?: readonly string[];
  readonly limits: ForeignSandboxLimits;
}

/** A spec that would produce unsafe names or paths: the agent refuses the build. */
export class ForeignSandboxSpecError extends Error {
  override name = 'ForeignSandboxSpecError';
}

const BUILD_ID = /^[a-z0-9][a-z0-9-]{0,15}$/;

/** Checks the parts every generator interpolates; throws `ForeignSandboxSpecError`. */
export function checkForeignSpec(spec: ForeignSandboxSpec, absolutePath: RegExp): void {
  if (!BUILD_ID.test(spec.buildId)) throw new ForeignSandboxSpecError(`build id '${spec.buildId}' must be 1–16 of [a-z0-9-], starting with a letter or digit`);
  if (!absolutePath.test(spec.jobDir) || /(^|[\\/])\.\.([\\/]|$)/.test(spec.jobDir))
    throw new ForeignSandboxSpecError(`job directory '${spec.jobDir}' must be an absolute path without '..'`);
  for (const dir of spec.readable ?? []) {
    if (!absolutePath.test(dir) || /(^|[\\/])\.\.([\\/]|$)/.test(dir))
      throw new ForeignSandboxSpecError(`readable directory '${dir}' must be an absolute path without '..'`);
  }
  if (spec.command.length === 0) throw new ForeignSandboxSpecError('a sandboxed step needs a command');
  for (const [name, value] of Object.entries(spec.limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new ForeignSandboxSpecError(`limit ${name} must be a whole number > 0 (got ${value})`);
  }
}
