/**
 * The one interface through which the agent runs a build step in its OS's sandbox. Linux uses
 * bubblewrap (sandbox.ts); Windows, macOS and Solaris use the plans of windows-sandbox.ts,
 * macos-sandbox.ts and solaris-sandbox.ts. Each turns the same `SandboxSpec` into a `StepLaunch`:
 * files to write, commands to run before and after, and the argv of the step itself, so
 * sandboxed-process.ts runs every OS the same way and no OS falls back to running a build bare.
 *
 * Pure: what a host runs is decided here and tested as data (test/images/os-sandbox.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { ForeignSandboxSpecError, type ForeignSandboxSpec } from './foreign-sandbox-spec.ts';
import { macosSandboxPlan } from './macos-sandbox.ts';
import { LAUNCHER_ENV, SANDBOX_JOB_DIR, sandboxArgv, type SandboxSpec } from './sandbox.ts';
import { solarisSandboxPlan } from './solaris-sandbox.ts';
import { windowsLauncherScript } from './windows-launcher.ts';
import { windowsSandboxPlan } from './windows-sandbox.ts';

/** Which sandbox a host has: the agent picks it from its OS (`sandboxKindOf`). */
export type SandboxKind = 'bubblewrap' | 'windows' | 'macos' | 'solaris';

/** A file the agent writes (as itself) before the step, e.g. a sandbox-exec profile. */
export interface LaunchFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** Everything one step needs from the host, in order: files, setup, the step, teardown. */
export interface StepLaunch {
  readonly kind: SandboxKind;
  readonly files: readonly LaunchFile[];
  /** Commands run by the agent before the step; any failure is the farm's, not the package's. */
  readonly setup: readonly (readonly string[])[];
  /** The step itself. */
  readonly argv: readonly string[];
  /** The environment the launcher process (not the build) starts with. */
  readonly env: Readonly<Record<string, string>>;
  /** Commands run after the step, whatever happened (errors are logged, never fatal). */
  readonly teardown: readonly (readonly string[])[];
  /** bubblewrap only: pass the seccomp program on SECCOMP_FD and put the step in a control group. */
  readonly seccomp: boolean;
}

/** Per-step identity on hosts that create a user per build: a short id and a user slot. */
export interface StepIdentity {
  /** `[a-z0-9-]{1,16}`, unique among this host's running steps. */
  readonly buildId: string;
  /** Which of the host's build users (macOS 0…399, Solaris 0…999). */
  readonly slot: number;
}

/** Memory and CPU limits the foreign OSes enforce themselves (Linux uses its control group). */
export interface ForeignLimits {
  readonly memoryBytes: number;
  readonly cpuSeconds: number;
}

/** The sandbox of an OS as Node names it (`process.platform`); null where the farm has none. */
export function sandboxKindOf(platform: NodeJS.Platform | string): SandboxKind | null {
  switch (platform) {
    case 'linux':
      return 'bubblewrap';
    case 'win32':
      return 'windows';
    case 'darwin':
      return 'macos';
    case 'sunos':
      return 'solaris';
    default:
      return null;
  }
}

/**
 * Paths the agent writes for the sandbox (`/job/...`, `/tmp`, read-only mounts' sandbox paths)
 * exist only inside bubblewrap's mount namespace. Elsewhere the step sees the host's own paths:
 * the job directory, a `tmp` inside it, and each read-only mount's host path.
 */
export function toHostPath(value: string, spec: SandboxSpec, separator: '/' | '\\'): string {
  const join = (base: string, rest: string) => (rest === '' ? base : `${base}${separator}${rest.slice(1).split('/').join(separator)}`);
  const prefixes: [string, string][] = [
    ...(spec.readOnly ?? []).map((mount): [string, string] => [mount.sandboxPath, mount.hostPath]),
    [SANDBOX_JOB_DIR, spec.jobDir],
    ['/tmp', join(spec.jobDir, '/tmp')],
  ];
  // Paths inside a colon-separated list (R_LIBS) are rewritten one by one; a list of Windows
  // paths is joined with ';' (a value with anything else in it, e.g. a URL, keeps its ':').
  let rewritten = 0;
  const parts = value.split(':').map((part) => {
    for (const [from, to] of prefixes) {
      if (part === from || part.startsWith(`${from}/`)) {
        rewritten++;
        return join(to, part.slice(from.length));
      }
    }
    return part;
  });
  return parts.join(separator === '\\' && rewritten === parts.length ? ';' : ':');
}

function foreignSpec(
  spec: SandboxSpec,
  id: StepIdentity,
  limits: ForeignLimits,
  separator: '/' | '\\',
  envPrefix: (env: [string, string][]) => string[],
): ForeignSandboxSpec {
  // The `egress` policy's fenced namespace (slirp behind bwrap) exists only on Linux.
  if (spec.networkNamespace)
    throw new ForeignSandboxSpecError('the egress network policy needs the Linux sandbox; this host can give a build no network or the whole network only');
  const env = Object.entries(spec.env).map(([name, value]): [string, string] => [name, toHostPath(value, spec, separator)]);
  const command = spec.command.map((argument) => toHostPath(argument, spec, separator));
  return {
    buildId: id.buildId,
    jobDir: spec.jobDir,
    command: [...envPrefix(env), ...command],
    network: spec.network ?? false,
    readable: (spec.readOnly ?? []).map((mount) => mount.hostPath),
    limits: { maxFileBytes: spec.limits.maxFileBytes, maxProcesses: spec.limits.maxProcesses, memoryBytes: limits.memoryBytes, cpuSeconds: limits.cpuSeconds },
  };
}

/** `env -i NAME=value … command`: the step's environment and nothing else (macOS, Solaris). */
function unixEnvPrefix(env: [string, string][]): string[] {
  return ['/usr/bin/env', '-i', ...env.map(([name, value]) => `${name}=${value}`)];
}

const POWERSHELL = ['powershell.exe', '-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command'];

/** The launch of one step in the sandbox of `kind`. Throws `ForeignSandboxSpecError` for an unsafe spec. */
export function stepLaunch(kind: SandboxKind, spec: SandboxSpec, id: StepIdentity, limits: ForeignLimits): StepLaunch {
  switch (kind) {
    case 'bubblewrap':
      return { kind, files: [], setup: [], argv: sandboxArgv(spec), env: LAUNCHER_ENV, teardown: [], seccomp: true };
    case 'macos': {
      const plan = macosSandboxPlan(foreignSpec(spec, id, limits, '/', unixEnvPrefix), id.slot);
      return {
        kind,
        files: [{ path: plan.profilePath, content: plan.profile, mode: 0o644 }],
        setup: plan.setup,
        argv: plan.argv,
        env: LAUNCHER_ENV,
        teardown: plan.teardown,
        seccomp: false,
      };
    }
    case 'solaris': {
      const plan = solarisSandboxPlan(foreignSpec(spec, id, limits, '/', unixEnvPrefix), id.slot);
      return {
        kind,
        files: [],
        setup: [['/usr/bin/mkdir', '-p', `${spec.jobDir}/tmp`], ...plan.setup],
        argv: plan.argv,
        env: LAUNCHER_ENV,
        teardown: plan.teardown,
        seccomp: false,
      };
    }
    case 'windows': {
      const foreign = foreignSpec(spec, id, limits, '\\', () => []);
      const plan = windowsSandboxPlan(foreign);
      const env = Object.fromEntries(Object.entries(spec.env).map(([name, value]) => [name, toHostPath(value, spec, '\\')]));
      // A fresh password per step, known to the agent's own processes only (their environment).
      const launcherEnv = {
        SystemRoot: 'C:\\Windows',
        PATH: 'C:\\Windows\\System32;C:\\Windows\\System32\\WindowsPowerShell\\v1.0',
        RFARM_BUILD_PASSWORD: windowsPassword(),
      };
      return {
        kind,
        files: [],
        setup: [[...POWERSHELL, `New-Item -ItemType Directory -Force -Path ${psLiteral(`${spec.jobDir}\\tmp`)} | Out-Null\n${plan.setup}`]],
        argv: [...POWERSHELL, windowsLauncherScript(plan, spec.jobDir, env)],
        env: launcherEnv,
        teardown: [[...POWERSHELL, plan.teardown]],
        seccomp: false,
      };
    }
  }
}

function psLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** 24 random characters from all four classes Windows' complexity rule asks for. */
export function windowsPassword(): string {
  return `${randomBytes(18).toString('base64url')}aA1!`;
}
