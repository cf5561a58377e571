/**
 * The Windows sandbox of one build step, as text a Windows agent runs:
 * - a **per-build local account** with a random password (passed in the environment, never in
 *   the script), no admin group, a profile removed afterwards;
 * - the job directory's ACL reset to that account, SYSTEM and Administrators only (inheritance
 *   off), so the build cannot see other builds or the agent's files;
 * - a **Windows Firewall outbound block rule** matched to the account's SID, so nothing it starts
 *   reaches the network (the dependency step omits it);
 * - a **Job Object** the step starts suspended in: memory, process count, CPU time, kill of the
 *   whole tree when the job handle closes, no desktop/clipboard/global-atom access. Its limit
 *   block is computed here with the Win32 constants; the launcher passes it to
 *   `SetInformationJobObject` before resuming the process.
 * https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-jobobject_basic_limit_information
 */
import { checkForeignSpec, type ForeignSandboxSpec } from './foreign-sandbox-spec.ts';

/** winnt.h JOB_OBJECT_LIMIT_* and JOB_OBJECT_UILIMIT_* values used. */
export const JOB_OBJECT = {
  limitJobTime: 0x00000004,
  limitActiveProcess: 0x00000008,
  limitJobMemory: 0x00000200,
  limitDieOnUnhandledException: 0x00000400,
  limitKillOnJobClose: 0x00002000,
  uiLimitHandles: 0x00000001,
  uiLimitReadClipboard: 0x00000002,
  uiLimitWriteClipboard: 0x00000004,
  uiLimitSystemParameters: 0x00000008,
  uiLimitDisplaySettings: 0x00000010,
  uiLimitGlobalAtoms: 0x00000020,
  uiLimitDesktop: 0x00000040,
  uiLimitExitWindows: 0x00000080,
} as const;

/** The Job Object settings of a step, ready for `SetInformationJobObject`. */
export interface WindowsJobLimits {
  /** JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags. */
  readonly limitFlags: number;
  /** PerJobUserTimeLimit, in 100-nanosecond ticks. */
  readonly perJobUserTimeTicks: bigint;
  readonly activeProcessLimit: number;
  /** JOBOBJECT_EXTENDED_LIMIT_INFORMATION.JobMemoryLimit, bytes. */
  readonly jobMemoryLimit: number;
  /** JOBOBJECT_BASIC_UI_RESTRICTIONS.UIRestrictionsClass. */
  readonly uiRestrictions: number;
}

/** Everything a Windows agent runs for one step. */
export interface WindowsSandboxPlan {
  /** Local account name (≤ 20 characters, the SAM limit). */
  readonly account: string;
  /** Firewall rule name. */
  readonly firewallRule: string | null;
  /** PowerShell run as the agent (SYSTEM) before the step. Reads the password from `RFARM_BUILD_PASSWORD`. */
  readonly setup: string;
  readonly job: WindowsJobLimits;
  /** The step's command line, quoted for `CreateProcessWithLogonW` (CommandLineToArgvW rules). */
  readonly commandLine: string;
  /** PowerShell run after the step, whatever happened. */
  readonly teardown: string;
}

const WINDOWS_PATH = /^[A-Za-z]:\\[^"'`$\r\n<>|*?]*$/;

/** The plan of one step. Throws `ForeignSandboxSpecError` for an unsafe spec. */
export function windowsSandboxPlan(spec: ForeignSandboxSpec): WindowsSandboxPlan {
  checkForeignSpec(spec, WINDOWS_PATH);
  const account = `rfarm-b-${spec.buildId}`.slice(0, 20);
  const firewallRule = spec.network ? null : `rfarm-no-network-${account}`;
  const setup = [
    "$ErrorActionPreference = 'Stop'",
    `$password = ConvertTo-SecureString $env:RFARM_BUILD_PASSWORD -AsPlainText -Force`,
    `$user = New-LocalUser -Name ${ps(account)} -Password $password -AccountNeverExpires -PasswordNeverExpires -UserMayNotChangePassword -Description 'rfarm build account, removed after the build'`,
    `& icacls.exe ${ps(spec.jobDir)} /inheritance:r /grant:r "$($user.SID.Value):(OI)(CI)M" '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null`,
    ...(firewallRule
      ? [
          `New-NetFirewallRule -Name ${ps(firewallRule)} -DisplayName ${ps(firewallRule)} -Direction Outbound -Action Block -LocalUser "D:(A;;CC;;;$($user.SID.Value))" | Out-Null`,
        ]
      : []),
  ].join('\n');
  const teardown = [
    "$ErrorActionPreference = 'Continue'",
    `$user = Get-LocalUser -Name ${ps(account)} -ErrorAction SilentlyContinue`,
    ...(firewallRule ? [`Remove-NetFirewallRule -Name ${ps(firewallRule)} -ErrorAction SilentlyContinue`] : []),
    `if ($user) { Get-CimInstance Win32_UserProfile | Where-Object SID -eq $user.SID.Value | Remove-CimInstance }`,
    `Remove-LocalUser -Name ${ps(account)} -ErrorAction SilentlyContinue`,
  ].join('\n');
  return { account, firewallRule, setup, job: windowsJobLimits(spec.limits), commandLine: spec.command.map(quoteWindowsArgument).join(' '), teardown };
}

/** Job Object limits for a step's limits. */
export function windowsJobLimits(limits: ForeignSandboxSpec['limits']): WindowsJobLimits {
  return {
    limitFlags:
      JOB_OBJECT.limitJobTime |
      JOB_OBJECT.limitActiveProcess |
      JOB_OBJECT.limitJobMemory |
      JOB_OBJECT.limitDieOnUnhandledException |
      JOB_OBJECT.limitKillOnJobClose,
    perJobUserTimeTicks: BigInt(limits.cpuSeconds) * 10_000_000n,
    activeProcessLimit: limits.maxProcesses,
    jobMemoryLimit: limits.memoryBytes,
    uiRestrictions:
      JOB_OBJECT.uiLimitHandles |
      JOB_OBJECT.uiLimitReadClipboard |
      JOB_OBJECT.uiLimitWriteClipboard |
      JOB_OBJECT.uiLimitSystemParameters |
      JOB_OBJECT.uiLimitDisplaySettings |
      JOB_OBJECT.uiLimitGlobalAtoms |
      JOB_OBJECT.uiLimitDesktop |
      JOB_OBJECT.uiLimitExitWindows,
  };
}

/** A PowerShell single-quoted literal. */
export function ps(value: string): string {
  return `'${value.replace(/['‘’‚‛]/g, "''")}'`;
}

/** One argument quoted so CommandLineToArgvW gives it back unchanged. */
export function quoteWindowsArgument(argument: string): string {
  if (argument !== '' && !/[\s"]/.test(argument)) return argument;
  let quoted = '"';
  let backslashes = 0;
  for (const char of argument) {
    if (char === '\\') backslashes++;
    else if (char === '"') {
      quoted += '\\'.repeat(backslashes * 2 + 1) + '"';
      backslashes = 0;
    } else {
      quoted += '\\'.repeat(backslashes) + char;
      backslashes = 0;
    }
  }
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}
