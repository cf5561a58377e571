/**
 * A source package's own build files — `configure`, `configure.ac`, `src/Makevars*` — read for the
 * libraries, pkg-config modules and configuration tools they name, so a library that only the
 * configure script names (DESCRIPTION silent) is still found. Pure functions over file text.
 */
import type { Rule, SourceNameIndex } from './rule-database.ts';

/** Build files by path inside the package folder (`configure`, `src/Makevars.in`, …). */
export type BuildFiles = Readonly<Record<string, string>>;

/** The files read, in the order findings are reported. The Windows-only Makevars.win/.ucrt are not. */
export const BUILD_FILE_PATHS: readonly string[] = ['configure.ac', 'configure.in', 'configure', 'src/Makevars.in', 'src/Makevars'];

/** How a build file named a rule's requirement. */
export type BuildFileNameKind = 'library' | 'pkg-config module' | 'tool' | 'header';

/** One rule a build file names, at the first line that names it. */
export interface BuildFileFinding {
  readonly rule: Rule;
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** The line, trimmed and cut to 160 characters. */
  readonly text: string;
  readonly kind: BuildFileNameKind;
  /** The name as written: `xml2` (for -lxml2), `libxml-2.0`, `xml2-config`. */
  readonly name: string;
  /**
   * An autoconf check (`configure.ac`/`configure.in`) after which the script never fails: no
   * `AC_MSG_ERROR`/`exit 1` on its line or the `CHECK_REACH` lines after it. The package builds
   * without it (an optional feature, as `PKG_CHECK_MODULES(SSL, openssl, [SSL=yes], [SSL=no])`).
   */
  readonly optional: boolean;
}

/** Lines after an autoconf check within which a failure (`AC_MSG_ERROR`) makes the check required. */
export const CHECK_REACH = 20;

const COMMENT = /^\s*(?:#|dnl\b)/;
const LINKER_FLAG = /(?:^|[\s"'=(`[])-l([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)/g;
const CHECK_LIB = /AC_(?:CHECK_LIB|SEARCH_LIBS)\(\s*\[?([A-Za-z0-9_+.-]+)\]?\s*,\s*\[?([A-Za-z0-9_+. -]*)/g;
const MENTIONS_PKG_CONFIG = /pkg-config|PKG_CONFIG|PKG_CHECK_MODULES|pkgconf/;
const HEADER_CHECK = /AC_CHECK_HEADERS?|PKG_TEST_HEADER|^\s*#\s*include\b/;
const HEADER = /[A-Za-z0-9_+./-]+\.h(?:pp)?\b/g;
const OTHER_SYSTEM = /brew|\/usr\/local\/opt\b|\/opt\/homebrew|-framework\b|\bMKLROOT\b|\bmingw|\brtools|\.dylib\b|\bmacports\b/i;
/** Autoconf macros that test for something and go on either way unless the script says otherwise. */
const AUTOCONF_CHECK = /\b(?:AC_CHECK_LIB|AC_SEARCH_LIBS|AC_CHECK_HEADERS?|AC_PATH_PROGS?|AC_CHECK_PROGS?|PKG_CHECK_MODULES|PKG_CHECK_EXISTS)\b/;
const FAILS = /\bAC_MSG_ERROR\b|\bAC_MSG_FAILURE\b|\bexit\s+1\b/;
/** A shell `case` pattern at the start of a line (`*"-lX11"*)`) tests a string for a name; it does not use it. */
const CASE_PATTERN = /^\s*\(?[^()\s=;]+\)(?=\s|$)/;
const TOKEN = /[A-Za-z0-9][A-Za-z0-9_+.-]*[A-Za-z0-9+]|[A-Za-z0-9]/g;

/** Names one line gives, with their kind. */
function namesOnLine(line: string): Array<{ kind: BuildFileNameKind; name: string }> {
  const names: Array<{ kind: BuildFileNameKind; name: string }> = [];
  for (const match of line.matchAll(LINKER_FLAG)) names.push({ kind: 'library', name: match[1] });
  for (const match of line.matchAll(CHECK_LIB)) {
    // AC_CHECK_LIB(lib, function); AC_SEARCH_LIBS(function, [lib lib]).
    if (match[0].startsWith('AC_CHECK_LIB')) names.push({ kind: 'library', name: match[1] });
    else for (const library of match[2].split(/\s+/).filter(Boolean)) names.push({ kind: 'library', name: library });
  }
  const tokens = line.match(TOKEN) ?? [];
  if (MENTIONS_PKG_CONFIG.test(line)) for (const token of tokens) names.push({ kind: 'pkg-config module', name: token });
  for (const token of tokens) names.push({ kind: 'tool', name: token });
  // `#include "x.h"` is the package's own header; `#include <x.h>` and configure's header checks name the system's.
  if (HEADER_CHECK.test(line)) for (const match of line.replace(/#\s*include\s*"[^"]*"/g, '').matchAll(HEADER)) names.push({ kind: 'header', name: match[0] });
  return names;
}

/** A make assignment: `NAME = …`, `NAME += …`, `NAME := …`, `override NAME ?= …`. */
const MAKE_ASSIGNMENT = /^\s*(?:override\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:[:+?!]|::)?=/;
/** Variables R's own make rules read (Makeconf: `$(PKG_LIBS)`, `$(SHLIB_LIBADD)`, `$(OBJECTS)`, …). */
const R_MAKE_VARIABLE = /^(?:PKG_|SHLIB_|ALL_|OBJECTS$|CXX_STD$|USE_FC_TO_LINK$)/;

/** Variables a makefile assigns that neither it (`$(NAME)`, `${NAME}`) nor R's make rules read. */
function unusedMakeVariables(text: string): Set<string> {
  const referenced = new Set([...text.matchAll(/\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}:]/g)].map((match) => match[1]));
  const unused = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const name = MAKE_ASSIGNMENT.exec(line)?.[1];
    if (name && !referenced.has(name) && !R_MAKE_VARIABLE.test(name)) unused.add(name);
  }
  return unused;
}

/** The top-level arguments of a macro call, from the text just after its opening parenthesis. */
function macroArguments(text: string): string[] {
  const args = [''];
  let depth = 0;
  for (const char of text) {
    if (char === ')' || char === ']') {
      if (depth === 0) break;
      depth--;
    } else if (char === '(' || char === '[') depth++;
    else if (char === ',' && depth === 0) {
      args.push('');
      continue;
    }
    args[args.length - 1] += char;
  }
  return args;
}

/**
 * Shell variables of `--with-X`/`--enable-X` options that are off unless the user asks: the option's
 * own `with_X`/`enable_X` when it has no default action, and variables its default action sets empty
 * or `no`/`false` (`AC_ARG_WITH(expat, […], […], USE_EXPAT= )`).
 */
function offByDefaultOptions(lines: readonly string[]): Set<string> {
  const off = new Set<string>();
  lines.forEach((line, index) => {
    const option = /\bAC_ARG_(WITH|ENABLE)\s*\(/.exec(line);
    if (!option) return;
    const text = [line.slice(option.index + option[0].length), ...lines.slice(index + 1, macroEnd(lines, index, option.index) + 1)].join('\n');
    const [name, , , notGiven] = macroArguments(text).map((arg) => arg.trim().replace(/^\[|\]$/g, ''));
    if (notGiven === undefined) off.add(`${option[1].toLowerCase()}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`);
    else for (const set of notGiven.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(["']?)(|no|false|FALSE|0)\2(?=\s|;|$)/g)) off.add(set[1]);
  });
  return off;
}

/** `if test -n "$X"`, `if test "$X" = yes`, `if test "x${X}" = "xtrue"`: the block runs only when X is set. */
const IF_SET = /^\s*if\s+test\s+(?:-n\s+"?\$\{?(\w+)\}?"?|"?x?\$\{?(\w+)\}?"?\s*==?\s*"?x?(?:yes|true|TRUE|1)"?)/;

/**
 * Which lines of an autoconf source lie in a shell `if` block that runs only when the user turns an
 * option on (XML's `if test -n "${USE_EXPAT}"` under `--with-expat`, off by default): an optional
 * feature, whatever its checks say inside. `optionalAt` is called on every line but comments, in order.
 */
function optionalFeatureBlocks(lines: readonly string[]): { optionalAt(line: string): boolean } {
  const off = offByDefaultOptions(lines);
  const blocks: boolean[] = [];
  return {
    optionalAt(line) {
      if (/^\s*if\b/.test(line) && !/;\s*fi\s*$/.test(line)) {
        const guard = IF_SET.exec(line);
        blocks.push(guard !== null && off.has(guard[1] ?? guard[2]));
      } else if (/^\s*(?:elif|else)\b/.test(line) && blocks.length) blocks[blocks.length - 1] = false;
      else if (/^\s*fi\b/.test(line)) blocks.pop();
      return blocks.some(Boolean);
    },
  };
}

/** The line where the macro call starting at `lines[start]`, column `column`, closes its parentheses. */
function macroEnd(lines: readonly string[], start: number, column: number): number {
  let depth = 0;
  for (let index = start; index < Math.min(lines.length, start + 200); index++) {
    for (const char of index === start ? lines[index].slice(column) : lines[index]) {
      if (char === '(') depth++;
      else if (char === ')' && --depth === 0) return index;
    }
  }
  return start;
}

/**
 * Whether `src/Makevars` is what configure made of `src/Makevars.in` on the maintainer's machine (both
 * are there, with a configure script): the template says what a build uses, the output what one host found.
 */
function isConfigureOutput(files: BuildFiles): boolean {
  return files['src/Makevars.in'] !== undefined && (files.configure !== undefined || files['configure.ac'] !== undefined);
}

/** Whether `configure` is autoconf output of a configure.ac that is also present (then read that). */
function isGeneratedFromPresentSource(files: BuildFiles): boolean {
  const configure = files.configure;
  return (
    configure !== undefined &&
    /Generated by GNU Autoconf/.test(configure.slice(0, 2000)) &&
    (files['configure.ac'] !== undefined || files['configure.in'] !== undefined)
  );
}

/**
 * The rules a package's build files name, each once, at the first line that names it. A name no rule
 * knows is offered to `fallback` (the platform's package contents index), which may answer a rule.
 */
export function findInBuildFiles(
  index: SourceNameIndex,
  files: BuildFiles,
  fallback?: (kind: BuildFileNameKind, name: string) => Rule | undefined,
): BuildFileFinding[] {
  const found = new Map<string, BuildFileFinding>();
  const skipConfigure = isGeneratedFromPresentSource(files);
  for (const file of BUILD_FILE_PATHS) {
    const text = files[file];
    if (text === undefined || (file === 'configure' && skipConfigure) || (file === 'src/Makevars' && isConfigureOutput(files))) continue;
    const lines = text.split(/\r?\n/);
    const autoconfSource = file === 'configure.ac' || file === 'configure.in';
    const makefile = file.startsWith('src/Makevars');
    const unused = makefile ? unusedMakeVariables(text) : new Set<string>();
    let optionalThrough = -1;
    const features = autoconfSource ? optionalFeatureBlocks(lines) : { optionalAt: () => false };
    // A line continued with a backslash belongs to the statement it starts: "MKL_LIBS= ${MKLROOT}/… \ -liomp5".
    let pending = '';
    // In a makefile a comment's backslash continues the comment ("# MKL_LIBS= … \" then "  … -liomp5").
    let commentContinues = false;
    lines.forEach((line, lineIndex) => {
      const whole = pending + line;
      pending = /\\$/.test(line) ? `${whole.slice(0, -1)} ` : '';
      const inOptionalFeature = !COMMENT.test(line) && features.optionalAt(line);
      const inComment = commentContinues;
      commentContinues = makefile && (inComment || COMMENT.test(line)) && /\\$/.test(line);
      if (inComment) return;
      // A test program's `#include <x.h>` looks like a shell comment; every other comment is skipped.
      if (COMMENT.test(line) && !/^\s*#\s*include\b/.test(line)) return;
      // A make variable nothing uses (`UMFPACK_LIBS=-lumfpack` that no $(UMFPACK_LIBS) reads) links nothing.
      const assigned = MAKE_ASSIGNMENT.exec(whole)?.[1];
      if (assigned && unused.has(assigned)) return;
      // Lines for other systems (Homebrew, macOS frameworks, Intel MKL, Windows) name what Linux builds do not use.
      if (OTHER_SYSTEM.test(whole)) return;
      const check = autoconfSource ? AUTOCONF_CHECK.exec(line) : null;
      if (check && lineIndex > optionalThrough) {
        const end = macroEnd(lines, lineIndex, check.index);
        const fails = lines.slice(lineIndex, Math.max(end, lineIndex + CHECK_REACH) + 1).some((next) => !COMMENT.test(next) && FAILS.test(next));
        if (!fails) optionalThrough = end;
      }
      // The lines of an optional check's own actions (`[GMP_LIBS="-lgmp"]`) are optional too.
      const optional = lineIndex <= optionalThrough || inOptionalFeature;
      for (const { kind, name } of namesOnLine(line.replace(CASE_PATTERN, ''))) {
        const map = { library: index.libraries, tool: index.tools, 'pkg-config module': index.pkgConfig, header: index.headers }[kind];
        const rule = map.get(name) ?? fallback?.(kind, name);
        const seen = rule && found.get(rule.name);
        if (!rule || (seen && (optional || !seen.optional))) continue;
        found.set(rule.name, { rule, file, line: lineIndex + 1, text: line.trim().slice(0, 160), kind, name, optional });
      }
    });
  }
  return [...found.values()];
}
