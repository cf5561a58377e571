/**
 * The bubblewrap sandbox every step of a build runs in. It assumes the package is hostile:
 * - an unprivileged host uid (never host root: a root agent drops to `FARM_SANDBOX_UID` with setpriv
 *   before bwrap), in its own user namespace with every capability dropped, no_new_privs, no nested
 *   user namespaces, and a seccomp filter against reaching into other processes (seccomp-filter.ts);
 * - its own pid, IPC, UTS and network namespaces (no network, not even loopback, unless the step
 *   must fetch dependencies);
 * - a minimal read-only view of the system (sandbox-system.ts: /usr and a short list of /etc entries,
 *   no /etc/shadow, no farm paths) and a private /proc showing only its own processes;
 * - size-limited private /tmp and /dev/shm, a read-only /dev;
 * - limits on file size, processes, memory (build-cgroup.ts, with rlimits as the floor);
 * - no environment but what we give it (bwrap itself starts with an empty one, so even the
 *   sandbox's pid 1 holds no agent variable).
 * Only the job directory is writable. The farm's data directory (other jobs, credentials) is not
 * mounted at all. Under the `egress` policy the sandbox shares a fenced network namespace made for
 * its build (network-policy.ts) instead of having none.
 */
import { joinNamespaceArgv, type NetworkNamespace } from './network-policy.ts';

/** Where the job directory appears inside the sandbox. */
export const SANDBOX_JOB_DIR = '/job';
/** The uid and gid package code has inside the sandbox (mapped to an unprivileged host uid). */
export const SANDBOX_INNER_ID = 1000;
/** The file descriptor bwrap reads the seccomp program from (runSandboxed passes it). */
export const SECCOMP_FD = 3;

/** The prepared system view of one agent's sandboxes (sandbox-system.ts makes it). */
export interface SandboxSystem {
  /** bwrap arguments mounting the system read-only (world-readable host paths). */
  readonly mounts: readonly string[];
  /** The agent's own files shown read-only (the sandbox's passwd and group). */
  readonly ownFiles: readonly ReadOnlyMount[];
  /** The compiled seccomp program, passed to bwrap on a file descriptor. */
  readonly seccompFile: string;
  /** The agent's own scripts a step may run (e.g. the dependency installer), staged where a sandbox can read them. */
  readonly scriptsDir: string;
  /** What a step under the `egress` policy also mounts: its /etc/resolv.conf naming slirp's resolver. */
  readonly egressMounts: readonly ReadOnlyMount[];
}

/** A read-only directory to show inside the sandbox at the same path (e.g. a dependency cache). */
export interface ReadOnlyMount {
  readonly hostPath: string;
  readonly sandboxPath: string;
}

/** The host identity a sandbox runs as, when the agent is root and can choose. */
export interface SandboxIdentity {
  readonly uid: number;
  readonly gid: number;
}

/** Per-process limits every sandboxed step gets, whatever the host offers besides. */
export interface SandboxLimits {
  /** Largest file the sandbox may write, in bytes (RLIMIT_FSIZE). */
  readonly maxFileBytes: number;
  /** Most processes of the sandbox's uid (RLIMIT_NPROC; the cgroup's pids.max where there is one). */
  readonly maxProcesses: number;
  /** Size of the private /tmp and of /dev/shm, each. */
  readonly tmpBytes: number;
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
  /** Run in this build's fenced network namespace (the `egress` policy) instead of having no network. */
  readonly networkNamespace?: NetworkNamespace;
  /** The system view and seccomp program, prepared once per agent. */
  readonly system: SandboxSystem;
  /** Host uid/gid to run as; unset: the agent's own (an unprivileged agent cannot switch). */
  readonly identity?: SandboxIdentity;
  readonly limits: SandboxLimits;
}

/** The environment bwrap itself is started with: enough to find setpriv, prlimit and bwrap. */
export const LAUNCHER_ENV: Readonly<Record<string, string>> = Object.freeze({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });

function limitArgs(limits: SandboxLimits): string[] {
  return ['prlimit', `--fsize=${limits.maxFileBytes}`, `--nproc=${limits.maxProcesses}`, '--core=0', '--'];
}

function identityArgs(identity: SandboxIdentity | undefined): string[] {
  if (!identity) return [];
  return ['setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'];
}

/** A host path of the agent's shown in the sandbox. */
export interface BindSource {
  readonly hostPath: string;
  readonly sandboxPath: string;
  readonly writable: boolean;
}

/**
 * The agent's own paths a sandbox sees. bwrap opens them as the build's uid, so each must be
 * reachable by it (sandbox-host.ts checks the data directory and the cache at start). Descriptors
 * (`--bind-fd`) would avoid that, but bwrap resolves them through /proc/self/fd after entering its
 * user namespace, where the process is no longer dumpable and its own fd directory is closed to it.
 */
export function sandboxBinds(spec: SandboxSpec): BindSource[] {
  return [
    ...spec.system.ownFiles.map((mount) => ({ ...mount, writable: false })),
    ...(spec.readOnly ?? []).map((mount) => ({ ...mount, writable: false })),
    { hostPath: spec.jobDir, sandboxPath: SANDBOX_JOB_DIR, writable: true },
  ];
}

/** The argv that runs `spec.command` in the sandbox; spawn it with LAUNCHER_ENV and the seccomp program on SECCOMP_FD. */
export function sandboxArgv(spec: SandboxSpec): string[] {
  const env = Object.entries(spec.env).flatMap(([name, value]) => ['--setenv', name, value]);
  const binds = sandboxBinds(spec);
  const bindArgs = (wanted: (bind: BindSource) => boolean) =>
    binds.flatMap((bind) => (wanted(bind) ? [bind.writable ? '--bind' : '--ro-bind', bind.hostPath, bind.sandboxPath] : []));
  const tmpSize = String(spec.limits.tmpBytes);
  const join = spec.networkNamespace ? joinNamespaceArgv(spec.networkNamespace) : [];
  // Joining a namespace root made needs root: before the drop to the build's uid; the agent's own user namespace, after.
  const joinBeforeIdentity = spec.networkNamespace?.ownUserNamespace === false;
  return [
    ...limitArgs(spec.limits),
    ...(joinBeforeIdentity ? join : []),
    ...identityArgs(spec.identity),
    ...(joinBeforeIdentity ? [] : join),
    'bwrap',
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--uid',
    String(SANDBOX_INNER_ID),
    '--gid',
    String(SANDBOX_INNER_ID),
    '--cap-drop',
    'ALL',
    ...(spec.network || spec.networkNamespace ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'rfarm-sandbox',
    '--seccomp',
    String(SECCOMP_FD),
    ...spec.system.mounts,
    ...bindArgs((bind) => !bind.writable),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    tmpSize,
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--size',
    tmpSize,
    '--tmpfs',
    '/tmp',
    ...bindArgs((bind) => bind.writable),
    // The sandbox's own root (where /etc and the mount points were made) is read-only too.
    '--remount-ro',
    '/',
    '--chdir',
    SANDBOX_JOB_DIR,
    '--clearenv',
    ...env,
    '--',
    ...spec.command,
  ];
}
