/**
 * The Solaris sandbox of one build step: a **per-build user** in a **per-build project** whose
 * resource controls cap processes, LWPs, locked memory and CPU, with `rcapd` capping resident
 * memory; the step runs with `newtask -p` in that project and `ppriv` removes `net_access` (no
 * network, except for the dependency step) and the basic privileges that let a process see or
 * signal others'. A non-global zone per build would isolate more but takes minutes to clone; a
 * project is what fits a build that lasts two minutes.
 * https://docs.oracle.com/cd/E37838_01/html/E61041/rmctrls-1.html
 */
import { checkForeignSpec, type ForeignSandboxSpec } from './foreign-sandbox-spec.ts';

/** First uid of build users (uid = base + slot). */
export const SOLARIS_BUILD_UID_BASE = 60_000;

/** Basic privileges a build step loses: no network (unless asked), no looking at or signalling other processes, no hard links to others' files. */
export const SOLARIS_DROPPED_PRIVILEGES = ['proc_info', 'proc_session', 'file_link_any'] as const;

/** Everything a Solaris agent runs for one step. */
export interface SolarisSandboxPlan {
  readonly user: string;
  readonly uid: number;
  readonly project: string;
  readonly setup: readonly (readonly string[])[];
  readonly argv: readonly string[];
  readonly teardown: readonly (readonly string[])[];
}

const SOLARIS_PATH = /^\/[^\0\n]*$/;

/** The plan of one step for the build user in `slot`. Throws `ForeignSandboxSpecError` for an unsafe spec. */
export function solarisSandboxPlan(spec: ForeignSandboxSpec, slot: number): SolarisSandboxPlan {
  checkForeignSpec(spec, SOLARIS_PATH);
  if (!Number.isInteger(slot) || slot < 0 || slot >= 1000) throw new RangeError(`build user slot ${slot} is outside 0…999`);
  const user = `rfb${slot}`;
  const uid = SOLARIS_BUILD_UID_BASE + slot;
  const project = `rfarm.${spec.buildId.replace(/-/g, '_')}`;
  const { maxProcesses, memoryBytes, maxFileBytes, cpuSeconds } = spec.limits;
  const controls = [
    `project.max-processes=(privileged,${maxProcesses},deny)`,
    `project.max-lwps=(privileged,${maxProcesses * 16},deny)`,
    `project.max-locked-memory=(privileged,0,deny)`,
    `process.max-file-size=(privileged,${maxFileBytes},deny)`,
    `process.max-cpu-time=(privileged,${cpuSeconds},signal=SIGKILL)`,
    `rcap.max-rss=${memoryBytes}`,
  ];
  const setup = [
    // A shell, because `su` runs the step through it; `passwd -N` leaves no password to log in with.
    ['/usr/sbin/useradd', '-u', String(uid), '-g', 'nobody', '-d', spec.jobDir, '-s', '/usr/bin/sh', user],
    ['/usr/bin/passwd', '-N', user],
    ['/usr/sbin/projadd', '-U', user, ...controls.flatMap((control) => ['-K', control]), project],
    ['/usr/bin/chown', '-R', `${user}:nobody`, spec.jobDir],
    ['/usr/bin/chmod', '700', spec.jobDir],
  ];
  const dropped = [...(spec.network ? [] : ['net_access']), ...SOLARIS_DROPPED_PRIVILEGES].map((privilege) => `-${privilege}`).join(',');
  const argv = ['/usr/bin/su', user, '-c', '"$0" "$@"', '/usr/bin/newtask', '-p', project, '/usr/bin/ppriv', '-s', `EIPL${dropped}`, '-e', ...spec.command];
  const teardown = [
    ['/usr/bin/pkill', '-KILL', '-U', String(uid)],
    ['/usr/sbin/projdel', project],
    ['/usr/sbin/userdel', user],
  ];
  return { user, uid, project, setup, argv, teardown };
}
