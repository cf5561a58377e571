/**
 * The system headers a package's C/C++ code includes: `#include <x.h>` in `src/` and `inst/include/`
 * that the package does not ship itself. A header the package includes but does not carry must come
 * from the system (or from a LinkingTo package), so it is evidence of a build requirement even when
 * DESCRIPTION and configure are silent — e.g. a source whose bundled library was removed. Pure.
 */

/** One `#include <…>` of the package's code. */
export interface SourceInclude {
  /** As written between the angle brackets: `uv.h`, `gsl/gsl_rng.h`. */
  readonly header: string;
  /** Path inside the package folder, e.g. `src/init.c`. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** `#include "…"`: the package's own header (followed to know which code is compiled, never the system's). */
  readonly quoted?: boolean;
}

/**
 * C/C++ sources and headers whose includes are read; files named for another system (src/win/,
 * macos.c, oswin9x.c) and examples, tests and docs of vendored code (cppad/example/) are not.
 */
export const SOURCE_CODE_FILE =
  /^(?:src|inst\/include)\/(?!(?:.*\/)?(?:examples?|tests?|docs?|demos?|benchmarks?)\/)(?!(?:.*\/)?(?:[^/]*(?:win(?:32|64|dows|9x)?|macos|darwin|osx|solaris|mingw)[^/]*\/|[^/]*(?:win(?:32|64|dows|9x)?|macos|darwin|osx|solaris|mingw)[^/]*\.[a-z]+$)).*\.(?:c|cc|cpp|cxx|h|hh|hpp|hxx)$/i;

const INCLUDE = /^\s*#\s*include\s*<([A-Za-z0-9_+./-]+\.h(?:pp|xx|h)?)>/;
const QUOTED_INCLUDE = /^\s*#\s*include\s*"([A-Za-z0-9_+./-]+)"/;
const CONDITIONAL = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

/** The text with C block comments (`/* … *\/`) blanked, line breaks kept: an `#include` in a comment is not code. */
function withoutBlockComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, (comment) => comment.replace(/[^\n]/g, ' '));
}

/**
 * The unconditional `<…>` includes of one file, each header once. Code under `#if`/`#ifdef` is an
 * optional feature or another system's (`#ifdef _WIN32`, `#if HAVE_LIBDEFLATE`) and is not read, nor is
 * code in a block comment; an include guard (`#ifndef X_H` followed by `#define X_H`) is not a condition.
 */
export function includesOf(file: string, text: string, options: { readonly quoted?: boolean } = {}): SourceInclude[] {
  const found = new Map<string, SourceInclude>();
  // One entry per open conditional: whether it is an include guard.
  const guards: boolean[] = [];
  const lines = withoutBlockComments(text).split(/\r?\n/);
  lines.forEach((line, index) => {
    const conditional = CONDITIONAL.exec(line);
    if (conditional) {
      const [, directive, condition] = conditional;
      const name = condition.trim().replace(/[^A-Za-z0-9_].*$/, '');
      if (directive === 'if' || directive === 'ifdef') guards.push(false);
      else if (directive === 'ifndef') guards.push(name !== '' && new RegExp(`^\\s*#\\s*define\\s+${name}\\b`).test(lines[index + 1] ?? ''));
      else if ((directive === 'elif' || directive === 'else') && guards.length) guards[guards.length - 1] = false;
      else if (directive === 'endif') guards.pop();
      return;
    }
    if (guards.some((guard) => !guard)) return;
    const include = INCLUDE.exec(line);
    if (include && !found.has(include[1])) found.set(include[1], { header: include[1], file, line: index + 1 });
    const quoted = options.quoted ? QUOTED_INCLUDE.exec(line) : null;
    if (quoted && !found.has(`"${quoted[1]}`)) found.set(`"${quoted[1]}`, { header: quoted[1], file, line: index + 1, quoted: true });
  });
  return [...found.values()];
}

/**
 * Of the includes, those no file of the package provides (matched by path suffix: `pcg_random.hpp`,
 * `hnswlib/hnswlib.h`). A `#include "…"` the package does not carry is the system's too — the compiler
 * goes on to the system's folders when the package has no such file (`"uv.h"` of a source whose bundled
 * libuv was removed) — unless it is relative to the including file (`"../x.h"`) or `generated` says
 * the build makes it (configure's `config.h` from `config.h.in`).
 */
export function unshippedIncludes(
  includes: readonly SourceInclude[],
  paths: ReadonlySet<string>,
  generated: (header: string) => boolean = () => false,
): SourceInclude[] {
  const suffixes = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let start = 0; start < parts.length; start++) suffixes.add(parts.slice(start).join('/'));
  }
  const seen = new Set<string>();
  return includes.filter((include) => {
    if (seen.has(include.header) || suffixes.has(include.header)) return false;
    if (include.quoted && (/(?:^|\/)\.\.?\//.test(include.header) || generated(include.header))) return false;
    seen.add(include.header);
    return true;
  });
}

/** Templates a build turns into a header: `config.h.in`, `config.h.cmake`, `config.in.h`. */
const TEMPLATE_SUFFIXES = ['.in', '.cmake', '.cmakein'];

/**
 * Whether a build makes the header: the package ships a template of it, or a build file names it (a
 * configure script writing `src/config.h`, `AC_CONFIG_HEADERS([src/config.h])`).
 */
export function generatedHeader(header: string, paths: ReadonlySet<string>, buildFileTexts: readonly string[]): boolean {
  const name = header.slice(header.lastIndexOf('/') + 1);
  const templates = [...TEMPLATE_SUFFIXES.map((suffix) => `${name}${suffix}`), name.replace(/(\.[^.]+)$/, '.in$1')];
  for (const path of paths) if (templates.some((template) => path === template || path.endsWith(`/${template}`))) return true;
  const mention = new RegExp(`(?:^|[^A-Za-z0-9_.-])${name.replace(/[.+]/g, '\\$&')}(?![A-Za-z0-9_])`);
  return buildFileTexts.some((text) => mention.test(text));
}

/** Code R compiles: C/C++ sources under src/ (headers are compiled only where they are included). */
const COMPILED = /^src\/.*\.(?:c|cc|cpp|cxx)$/i;

/**
 * Of the includes of every code file (quoted ones too), those of the files a build compiles: the
 * sources under src/ and the headers they reach through `#include "…"` or `#include <…>` of a file
 * the package ships (matched by path suffix, as `-I` flags find them). A header nothing compiled
 * includes — a vendored library's optional interface, an unused copy — asks nothing of the system.
 */
export function reachedIncludes(includes: readonly SourceInclude[]): SourceInclude[] {
  const byFile = new Map<string, SourceInclude[]>();
  for (const include of includes) byFile.set(include.file, [...(byFile.get(include.file) ?? []), include]);
  const files = [...byFile.keys()];
  const resolveTo = (include: SourceInclude): string[] => {
    if (include.quoted) {
      const beside = normalise(`${include.file.slice(0, include.file.lastIndexOf('/') + 1)}${include.header}`);
      if (byFile.has(beside)) return [beside];
    }
    return files.filter((file) => file === include.header || file.endsWith(`/${include.header}`));
  };
  const reached = new Set(files.filter((file) => COMPILED.test(file)));
  const queue = [...reached];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const include of byFile.get(file) ?? []) {
      for (const next of resolveTo(include)) {
        if (reached.has(next)) continue;
        reached.add(next);
        queue.push(next);
      }
    }
  }
  return includes.filter((include) => reached.has(include.file));
}

/** `src/a/../b.h` → `src/b.h`. */
function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}
