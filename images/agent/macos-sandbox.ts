/**
 * The macOS sandbox of one build step: a **per-build hidden user** (created with `dscl`, no login
 * shell, removed afterwards) runs the step under **`sandbox-exec`** with a profile that denies by
 * default, lets it read the system and R but not other users' homes or the agent's data, write
 * only its job directory and its own temporary directory, and — except for the dependency step —
 * reach no network. `ulimit` sets file size, process and CPU limits before `exec`.
 * `sandbox-exec` is deprecated by Apple but still ships and is what Homebrew and Bazel use.
 * https://reverse.put.as/wp-content/uploads/2011/09/Apple-Sandbox-Guide-v1.0.pdf
 */
import { checkForeignSpec, type ForeignSandboxSpec } from './foreign-sandbox-spec.ts';

/** First uid of build users; uid = base + slot, below 1000 so they are hidden and never clash with people. */
export const MACOS_BUILD_UID_BASE = 600;

/** System paths the profile lets a build read (R, Xcode command line tools, gfortran, Homebrew). */
export const MACOS_READABLE = [
  '/System',
  '/usr',
  '/bin',
  '/sbin',
  '/Library/Frameworks/R.framework',
  '/Library/Developer/CommandLineTools',
  '/opt/gfortran',
  '/opt/homebrew',
  '/opt/R',
  '/private/etc',
  '/private/var/db/timezone',
  '/dev',
] as const;

/** Everything a macOS agent runs for one step. */
export interface MacosSandboxPlan {
  readonly user: string;
  readonly uid: number;
  /** The SBPL profile, written to `profilePath` (root-owned, 0644) before the step. */
  readonly profile: string;
  readonly profilePath: string;
  /** argv lines run as root before the step (create the user, own the job directory). */
  readonly setup: readonly (readonly string[])[];
  /** The step's argv, run by the root agent. */
  readonly argv: readonly string[];
  /** argv lines run after the step: kill what is left, delete the user. */
  readonly teardown: readonly (readonly string[])[];
}

const MAC_PATH = /^\/[^"\\\0\n]*$/;

/** The plan of one step for the build user in `slot` (0…399). Throws `ForeignSandboxSpecError` for an unsafe spec. */
export function macosSandboxPlan(spec: ForeignSandboxSpec, slot: number): MacosSandboxPlan {
  checkForeignSpec(spec, MAC_PATH);
  if (!Number.isInteger(slot) || slot < 0 || slot >= 400) throw new RangeError(`build user slot ${slot} is outside 0…399`);
  const user = `_rfarm_b${slot}`;
  const uid = MACOS_BUILD_UID_BASE + slot;
  const tmp = `${spec.jobDir}/tmp`;
  const profilePath = `/var/rfarm/sandbox/${spec.buildId}.sb`;
  const record = `/Users/${user}`;
  const setup: string[][] = [
    ['/usr/bin/dscl', '.', '-create', record],
    ['/usr/bin/dscl', '.', '-create', record, 'UniqueID', String(uid)],
    ['/usr/bin/dscl', '.', '-create', record, 'PrimaryGroupID', '20'],
    ['/usr/bin/dscl', '.', '-create', record, 'UserShell', '/usr/bin/false'],
    ['/usr/bin/dscl', '.', '-create', record, 'NFSHomeDirectory', spec.jobDir],
    ['/usr/bin/dscl', '.', '-create', record, 'IsHidden', '1'],
    ['/bin/mkdir', '-p', tmp],
    ['/usr/sbin/chown', '-R', `${uid}:20`, spec.jobDir],
    ['/bin/chmod', '700', spec.jobDir],
  ];
  const { maxFileBytes, maxProcesses, cpuSeconds } = spec.limits;
  // ulimit -f counts 512-byte blocks in sh.
  const limits = `ulimit -f ${Math.ceil(maxFileBytes / 512)} -u ${maxProcesses} -t ${cpuSeconds} && exec "$@"`;
  const argv = [
    '/usr/bin/sudo',
    '-n',
    '-u',
    user,
    '-H',
    '--',
    '/usr/bin/env',
    '-i',
    `HOME=${spec.jobDir}`,
    `TMPDIR=${tmp}/`,
    'PATH=/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin:/opt/homebrew/bin',
    '/bin/sh',
    '-c',
    limits,
    'rfarm-sandbox',
    '/usr/bin/sandbox-exec',
    '-f',
    profilePath,
    ...spec.command,
  ];
  const teardown = [
    ['/usr/bin/pkill', '-KILL', '-U', String(uid)],
    ['/usr/bin/dscl', '.', '-delete', record],
  ];
  return { user, uid, profile: macosSandboxProfile(spec.jobDir, tmp, spec.network, spec.readable ?? []), profilePath, setup, argv, teardown };
}

/** The SBPL profile: deny by default, read the system (and `readable`), write the job directory, network only when asked. */
export function macosSandboxProfile(jobDir: string, tmpDir: string, network: boolean, readable: readonly string[] = []): string {
  const subpaths = (paths: readonly string[]) => paths.map((path) => `(subpath ${sbplString(path)})`).join(' ');
  return [
    '(version 1)',
    '(deny default)',
    '(allow process-fork process-exec signal (target same-sandbox))',
    '(allow sysctl-read)',
    '(allow mach-lookup (global-name "com.apple.system.opendirectoryd.libinfo" "com.apple.system.notification_center" "com.apple.logd" "com.apple.system.logger"))',
    '(allow ipc-posix-shm-read-data ipc-posix-shm-write-data ipc-posix-sem)',
    `(allow file-read* file-read-metadata ${subpaths([...MACOS_READABLE, ...readable])} (literal "/") (literal "/private") (literal "/var") (literal "/tmp"))`,
    `(allow file-read* file-write* ${subpaths([jobDir, tmpDir])})`,
    '(allow file-write-data (literal "/dev/null") (literal "/dev/zero") (literal "/dev/dtracehelper"))',
    '(allow file-ioctl (literal "/dev/dtracehelper"))',
    network ? '(allow network-outbound) (allow network-inbound (local ip "localhost:*")) (allow system-socket)' : '(deny network*)',
    '',
  ].join('\n');
}

/** An SBPL string literal. */
export function sbplString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
