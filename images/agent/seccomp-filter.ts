/**
 * The seccomp filter every sandboxed build runs under (bubblewrap's `--seccomp FD` takes a compiled
 * classic-BPF program). It refuses, with EPERM, the system calls through which one process of the
 * build could reach into another — `ptrace`, `process_vm_readv/writev`, `pidfd_getfd` — so package
 * code cannot take or rewrite the check's own output pipe or memory, plus a few kernel interfaces no
 * R build needs (bpf, perf_event_open, userfaultfd, keyrings, kexec). Everything else is allowed:
 * the namespaces, the dropped capabilities and the read-only mounts do the rest.
 *
 * Written by hand because the filter is tiny and fixed; libseccomp would add a native dependency
 * for 12 instructions. Layout: linux/filter.h `struct sock_filter`, linux/seccomp.h `seccomp_data`.
 */
import { arch } from 'node:os';

/** System calls refused, by name; numbers per architecture below. */
export const REFUSED_SYSCALLS = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'pidfd_getfd',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'add_key',
  'request_key',
  'keyctl',
  'kexec_load',
] as const;

type RefusedSyscall = (typeof REFUSED_SYSCALLS)[number];

interface Architecture {
  /** AUDIT_ARCH_* of linux/audit.h. */
  readonly auditArch: number;
  readonly numbers: Readonly<Record<RefusedSyscall, number>>;
}

/** From the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h). */
const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  x64: {
    auditArch: 0xc000003e,
    numbers: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      pidfd_getfd: 438,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      add_key: 248,
      request_key: 249,
      keyctl: 250,
      kexec_load: 246,
    },
  },
  arm64: {
    auditArch: 0xc00000b7,
    numbers: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      pidfd_getfd: 438,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      add_key: 217,
      request_key: 218,
      keyctl: 219,
      kexec_load: 104,
    },
  },
};

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO_EPERM = 0x00050000 | 1;
/** x32 system calls on x86_64 carry this bit; refuse them all rather than list them twice. */
const X32_SYSCALL_BIT = 0x40000000;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;

interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** The filter's program for this machine's architecture (or `machine`), as the kernel reads it. */
export function seccompProgram(machine: string = arch()): Buffer {
  const target = ARCHITECTURES[machine];
  if (!target) throw new Error(`no seccomp filter is defined for the ${machine} architecture`);
  const numbers = REFUSED_SYSCALLS.map((name) => target.numbers[name]);
  // Jumps are relative to the next instruction; "deny" is the last instruction.
  const program: Instruction[] = [];
  const denyOffset = (index: number, total: number) => total - 1 - (index + 1);
  const total = 3 + 1 + numbers.length + 2;
  program.push({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: OFFSET_ARCH });
  // A foreign architecture (32-bit compat calls) has other numbers: refuse it whole.
  program.push({ code: BPF_JEQ_K, jt: 0, jf: denyOffset(1, total), k: target.auditArch });
  program.push({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: OFFSET_NR });
  program.push({ code: BPF_JGE_K, jt: denyOffset(3, total), jf: 0, k: X32_SYSCALL_BIT });
  numbers.forEach((number, i) => program.push({ code: BPF_JEQ_K, jt: denyOffset(4 + i, total), jf: 0, k: number }));
  program.push({ code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW });
  program.push({ code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO_EPERM });
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((instruction, i) => {
    buffer.writeUInt16LE(instruction.code, i * 8);
    buffer.writeUInt8(instruction.jt, i * 8 + 2);
    buffer.writeUInt8(instruction.jf, i * 8 + 3);
    buffer.writeUInt32LE(instruction.k >>> 0, i * 8 + 4);
  });
  return buffer;
}
