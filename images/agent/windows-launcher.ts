/**
 * The PowerShell a Windows agent runs as one build step: it starts the step as the per-build
 * account (`CreateProcessWithLogonW`, suspended), puts it in a Job Object with the plan's limits
 * before it runs a single instruction, resumes it, waits, and exits with its exit code. The job
 * handle is the launcher's: when the agent kills the launcher, the handle closes and
 * JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE ends every process of the build.
 * The password comes from the launcher's environment (`RFARM_BUILD_PASSWORD`), never the script.
 * https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createprocesswithlogonw
 */
import { ps, type WindowsSandboxPlan } from './windows-sandbox.ts';

/** Win32 values the launcher uses (winbase.h, winnt.h). */
export const WIN32 = {
  logonWithProfile: 0x1,
  createSuspended: 0x4,
  createUnicodeEnvironment: 0x400,
  createBreakawayFromJob: 0x01000000,
  startfUseStdHandles: 0x100,
  jobObjectBasicUiRestrictions: 4,
  jobObjectExtendedLimitInformation: 9,
} as const;

const LAUNCHER_SOURCE = `
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
public static class RfarmStep {
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  struct StartupInfo { public int cb; public string reserved; public string desktop; public string title; public int x, y, xSize, ySize, xChars, yChars, fill, flags; public short showWindow, reserved2; public IntPtr reserved3, stdIn, stdOut, stdErr; }
  [StructLayout(LayoutKind.Sequential)]
  struct ProcessInformation { public IntPtr process, thread; public int processId, threadId; }
  [StructLayout(LayoutKind.Sequential)]
  struct BasicLimit { public long perProcessUserTime, perJobUserTime; public uint limitFlags; public UIntPtr minWorkingSet, maxWorkingSet; public uint activeProcessLimit; public UIntPtr affinity; public uint priorityClass, schedulingClass; }
  [StructLayout(LayoutKind.Sequential)]
  struct IoCounters { public ulong a, b, c, d, e, f; }
  [StructLayout(LayoutKind.Sequential)]
  struct ExtendedLimit { public BasicLimit basic; public IoCounters io; public UIntPtr processMemory, jobMemory, peakProcessMemory, peakJobMemory; }
  [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)] static extern IntPtr CreateJobObjectW(IntPtr attributes, string name);
  [DllImport("kernel32.dll", SetLastError = true)] static extern bool SetInformationJobObject(IntPtr job, int infoClass, ref ExtendedLimit info, int length);
  [DllImport("kernel32.dll", SetLastError = true)] static extern bool SetInformationJobObject(IntPtr job, int infoClass, ref uint info, int length);
  [DllImport("kernel32.dll", SetLastError = true)] static extern bool AssignProcessToJobObject(IntPtr job, IntPtr process);
  [DllImport("kernel32.dll", SetLastError = true)] static extern uint ResumeThread(IntPtr thread);
  [DllImport("kernel32.dll", SetLastError = true)] static extern bool TerminateProcess(IntPtr process, uint code);
  [DllImport("kernel32.dll", SetLastError = true)] static extern uint WaitForSingleObject(IntPtr handle, uint milliseconds);
  [DllImport("kernel32.dll", SetLastError = true)] static extern bool GetExitCodeProcess(IntPtr process, out uint code);
  [DllImport("kernel32.dll", SetLastError = true)] static extern IntPtr GetStdHandle(int which);
  [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
  static extern bool CreateProcessWithLogonW(string user, string domain, string password, uint logonFlags, string application, StringBuilder commandLine, uint creationFlags, string environment, string directory, ref StartupInfo startup, out ProcessInformation info);
  static void Check(bool ok, string what) { if (!ok) throw new Win32Exception(Marshal.GetLastWin32Error(), what); }
  public static int Run(string user, string password, string commandLine, string directory, string environment, uint limitFlags, long jobUserTime, uint activeProcesses, ulong jobMemory, uint uiRestrictions) {
    IntPtr job = CreateJobObjectW(IntPtr.Zero, null);
    Check(job != IntPtr.Zero, "CreateJobObject");
    var limits = new ExtendedLimit();
    limits.basic.limitFlags = limitFlags;
    limits.basic.perJobUserTime = jobUserTime;
    limits.basic.activeProcessLimit = activeProcesses;
    limits.jobMemory = new UIntPtr(jobMemory);
    Check(SetInformationJobObject(job, ${WIN32.jobObjectExtendedLimitInformation}, ref limits, Marshal.SizeOf(typeof(ExtendedLimit))), "SetInformationJobObject(limits)");
    Check(SetInformationJobObject(job, ${WIN32.jobObjectBasicUiRestrictions}, ref uiRestrictions, 4), "SetInformationJobObject(ui)");
    var startup = new StartupInfo();
    startup.cb = Marshal.SizeOf(typeof(StartupInfo));
    startup.flags = ${WIN32.startfUseStdHandles};
    startup.stdIn = IntPtr.Zero;
    startup.stdOut = GetStdHandle(-11);
    startup.stdErr = GetStdHandle(-12);
    ProcessInformation info;
    uint flags = ${WIN32.createSuspended} | ${WIN32.createUnicodeEnvironment} | ${WIN32.createBreakawayFromJob};
    Check(CreateProcessWithLogonW(user, ".", password, ${WIN32.logonWithProfile}, null, new StringBuilder(commandLine), flags, environment, directory, ref startup, out info), "CreateProcessWithLogonW");
    if (!AssignProcessToJobObject(job, info.process)) { TerminateProcess(info.process, 1); Check(false, "AssignProcessToJobObject"); }
    ResumeThread(info.thread);
    WaitForSingleObject(info.process, 0xFFFFFFFF);
    uint code;
    Check(GetExitCodeProcess(info.process, out code), "GetExitCodeProcess");
    return (int)code;
  }
}
`;

/** A Windows environment block: `NAME=value` entries sorted case-insensitively, each NUL-ended, and a final NUL. */
export function windowsEnvironmentBlock(env: Readonly<Record<string, string>>): string {
  const entries = Object.entries(env);
  for (const [name, value] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || value.includes('\0')) throw new RangeError(`environment entry '${name}' cannot be passed to a Windows build`);
  }
  entries.sort(([a], [b]) => a.toUpperCase().localeCompare(b.toUpperCase()));
  return `${entries.map(([name, value]) => `${name}=${value}\0`).join('')}\0`;
}

/** The launcher script of one step (given to `powershell.exe -Command`). */
export function windowsLauncherScript(plan: WindowsSandboxPlan, jobDir: string, env: Readonly<Record<string, string>>): string {
  const block = windowsEnvironmentBlock({ ...env, USERPROFILE: `${jobDir}\\home`, TEMP: `${jobDir}\\tmp`, TMP: `${jobDir}\\tmp` });
  // NULs cannot sit in a PowerShell literal: the block travels with '|' for NUL, after checking it has none.
  if (block.includes('|')) throw new RangeError("an environment value contains '|', which the Windows launcher uses as its separator");
  const { job } = plan;
  return [
    "$ErrorActionPreference = 'Stop'",
    `Add-Type -TypeDefinition ${ps(LAUNCHER_SOURCE)}`,
    `$environment = ${ps(block.replace(/\0/g, '|'))}.Replace('|', [char]0)`,
    `$code = [RfarmStep]::Run(${ps(plan.account)}, $env:RFARM_BUILD_PASSWORD, ${ps(plan.commandLine)}, ${ps(jobDir)}, $environment, ${job.limitFlags}, ${job.perJobUserTimeTicks}, ${job.activeProcessLimit}, ${job.jobMemoryLimit}, ${job.uiRestrictions})`,
    'exit $code',
  ].join('\n');
}
