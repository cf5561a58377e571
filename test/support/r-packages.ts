/** Real R source packages made on the fly for tests, packed with the system `tar`. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PackageSpec {
  readonly name: string;
  readonly version?: string;
  /** Extra DESCRIPTION fields. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Files by path relative to the package folder. */
  readonly files?: Readonly<Record<string, string>>;
}

export function descriptionText(spec: PackageSpec): string {
  const fields: Record<string, string> = {
    Package: spec.name,
    Version: spec.version ?? '0.1.0',
    Title: 'A Test Package for the Farm',
    Description: 'Exercises the build farm in its own test suite.',
    'Authors@R': 'person("Test", "Author", email = "author@example.org", role = c("aut", "cre"))',
    License: 'GPL-3',
    Encoding: 'UTF-8',
    ...spec.fields,
  };
  return (
    Object.entries(fields)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n') + '\n'
  );
}

/** Writes the package folder into a fresh temporary directory; returns that directory. */
export function writePackage(spec: PackageSpec): string {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-pkg-'));
  const files: Record<string, string> = { DESCRIPTION: descriptionText(spec), NAMESPACE: '', ...spec.files };
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, spec.name, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return root;
}

/** A source tarball of the package folder as `tar czf` makes it (not R CMD build: the farm builds it). */
export function packTarball(spec: PackageSpec): Buffer {
  const root = writePackage(spec);
  execFileSync('tar', ['-czf', 'pkg.tar.gz', spec.name], { cwd: root });
  return readFileSync(join(root, 'pkg.tar.gz'));
}

/** A documented function, so the check has nothing to say. */
export const documentedHello: Record<string, string> = {
  NAMESPACE: 'export(hello)\n',
  'R/hello.R': 'hello <- function(name = "world") paste("hello", name)\n',
  'man/hello.Rd': [
    '\\name{hello}',
    '\\alias{hello}',
    '\\title{Say Hello}',
    '\\usage{hello(name = "world")}',
    '\\arguments{\\item{name}{who to greet}}',
    '\\value{a string}',
    '\\description{Greets.}',
    '\\examples{hello()}',
    '',
  ].join('\n'),
};

export const packages = {
  ok: (name = 'okpkg'): PackageSpec => ({ name, files: documentedHello }),
  /** An exported function without documentation: a WARNING. */
  warning: (): PackageSpec => ({
    name: 'warnpkg',
    files: { ...documentedHello, NAMESPACE: 'export(hello, undocumented)\n', 'R/undocumented.R': 'undocumented <- function() 1\n' },
  }),
  /** A test that fails: an ERROR, with the failure in the output. */
  failingTests: (): PackageSpec => ({
    name: 'failpkg',
    files: { ...documentedHello, 'tests/fails.R': 'cat("about to fail\\n")\nstop("deliberate test failure 7f3a")\n' },
  }),
  /** C code: the binary package must build and install. */
  withC: (): PackageSpec => ({
    name: 'cpkg',
    files: {
      NAMESPACE: 'useDynLib(cpkg, .registration = TRUE)\nexport(add_one)\n',
      'R/add.R': 'add_one <- function(x) .Call(C_add_one, as.numeric(x))\n',
      'src/add.c': [
        '#include <R.h>',
        '#include <Rinternals.h>',
        '#include <R_ext/Rdynload.h>',
        'SEXP add_one(SEXP x) {',
        '  SEXP out = PROTECT(duplicate(x));',
        '  for (R_xlen_t i = 0; i < XLENGTH(out); i++) REAL(out)[i] += 1;',
        '  UNPROTECT(1);',
        '  return out;',
        '}',
        'static const R_CallMethodDef calls[] = {{"C_add_one", (DL_FUNC) &add_one, 1}, {NULL, NULL, 0}};',
        'void R_init_cpkg(DllInfo *dll) { R_registerRoutines(dll, NULL, calls, NULL, NULL); R_useDynamicSymbols(dll, FALSE); }',
        '',
      ].join('\n'),
      'man/add_one.Rd':
        '\\name{add_one}\n\\alias{add_one}\n\\title{Add One}\n\\usage{add_one(x)}\n\\arguments{\\item{x}{numbers}}\n\\value{x + 1}\n\\description{Adds one.}\n\\examples{add_one(1)}\n',
    },
  }),
  /** A test that sleeps, for cancel and crash tests. */
  slow: (seconds: number, name = 'slowpkg'): PackageSpec => ({
    name,
    files: { ...documentedHello, 'tests/slow.R': `cat("slow test starting\\n")\nSys.sleep(${seconds})\ncat("slow test done\\n")\n` },
  }),
  /** A test that tries to reach a TCP port; passes only when the connection is refused. */
  network: (port: number): PackageSpec => ({
    name: 'netpkg',
    files: {
      ...documentedHello,
      'tests/network.R': [
        `result <- tryCatch({ con <- socketConnection("127.0.0.1", ${port}, open = "r+b", timeout = 5); close(con); "CONNECTED" },`,
        '  error = function(e) "BLOCKED", warning = function(w) "BLOCKED")',
        'cat("NETWORK:", result, "\\n")',
        'if (result != "BLOCKED") stop("the sandbox let a test open a TCP connection")',
        '',
      ].join('\n'),
    },
  }),
};
