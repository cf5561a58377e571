/**
 * The bubblewrap sandbox every step of a build runs in: no network, a private /tmp and pid space,
 * the system read-only, only the job directory writable, no environment but what we give it.
 * The farm's data directory (other jobs, credentials) is simply not mounted.
 */
import { existsSync, lstatSync } from 'node:fs';

/** Where the job directory appears inside the sandbox. */
export const SANDBOX_JOB_DIR = '/job';

/** A read-only directory to show inside the sandbox at the same path (e.g. a dependency cache). */
export interface ReadOnlyMount {
  readonly hostPath: string;
  readonly sandboxPath: string;
}

export interface SandboxSpec {
  /** Host path of the job directory, mounted read-write at /job. */
  readonly jobDir: string;
  /** The command and its arguments, run with /job as working directory. */
  readonly command: readonly string[];
  /** The complete environment of the command. */
  readonly env: Readonly<Record<string, string>>;
  /** Extra read-only mounts. */
  readonly readOnly?: readonly ReadOnlyMount[];
  /** Keep the network (only for steps that must fetch dependencies, never for the check). */
  readonly network?: boolean;
  /** Largest file the sandbox may write, in bytes (RLIMIT_FSIZE). */
  readonly maxFileBytes?: number;
}

/** Top-level system paths shown read-only; on merged-/usr systems some are symlinks into /usr. */
const SYSTEM_PATHS = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/opt'];

function systemMounts(): string[] {
  const args: string[] = [];
  for (const path of SYSTEM_PATHS) {
    if (!existsSync(path)) continue;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) args.push('--symlink', `usr${path}`, path);
    else args.push('--ro-bind', path, path);
  }
  return args;
}

/** The argv that runs `spec.command` in the sandbox (`prlimit` first when a file-size cap is set). */
export function sandboxArgv(spec: SandboxSpec): string[] {
  const limits = spec.maxFileBytes ? ['prlimit', `--fsize=${spec.maxFileBytes}`, '--'] : [];
  const env = Object.entries(spec.env).flatMap(([name, value]) => ['--setenv', name, value]);
  const readOnly = (spec.readOnly ?? []).flatMap((mount) => ['--ro-bind', mount.hostPath, mount.sandboxPath]);
  return [
    ...limits,
    'bwrap',
    '--unshare-all',
    ...(spec.network ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'rfarm-sandbox',
    ...systemMounts(),
    ...readOnly,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--bind',
    spec.jobDir,
    SANDBOX_JOB_DIR,
    '--chdir',
    SANDBOX_JOB_DIR,
    '--clearenv',
    ...env,
    '--',
    ...spec.command,
  ];
}
