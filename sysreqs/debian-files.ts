/**
 * Which Debian -dev package ships a linker name, pkg-config module, configuration tool or header —
 * read from Debian's package contents index (`Contents-amd64.gz`, generated into
 * `debian-files/<platform>.json.gz` by scripts/sysreqs-debian-files.ts). The resolver falls back on it
 * for names no rule knows: a configure script's `-lfoo` or `foo.h`, or a SystemRequirements item's
 * library name. It is a general mapping from the archive's file lists, not a list of R packages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Folder of the generated indexes. */
export const DEBIAN_FILES_DIR: string = fileURLToPath(new URL('./debian-files', import.meta.url));

/** The generated file's shape: name → the plainest -dev package shipping it. */
export interface DebianFileIndexData {
  readonly platform: string;
  readonly source: string;
  readonly generated: string;
  readonly libraries: Readonly<Record<string, string>>;
  readonly pkgConfig: Readonly<Record<string, string>>;
  readonly tools: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** R package → the top-level names under its include/ folder, as the distribution's R package ships them. */
  readonly rIncludes: Readonly<Record<string, readonly string[]>>;
  /** -dev package → the -dev packages its Depends name. */
  readonly devDepends: Readonly<Record<string, readonly string[]>>;
}

/** What a platform's package contents index is used for by the resolver, each on or off. */
export interface ContentsIndexUse {
  /** Words of a SystemRequirements item no rule matches ("GNU GSL" → libgsl-dev). */
  readonly words: boolean;
  /** Headers no rule knows that the compiled code includes and the package does not ship. */
  readonly includes: boolean;
  /**
   * Names no rule knows in configure/Makevars (`-lyaml`). Off by default: on the development set it
   * found nothing Debian builds with and 9 packages it does not (optional configure features, other
   * systems' lines).
   */
  readonly buildFiles: boolean;
  /**
   * An answer a rule found that another answered package's Depends already bring is reported covered
   * and left out of `packages` (apt installs it anyway; a contents-index find is always so treated). Off by default: on the development set it cost a recall group
   * in each view (Debian's Build-Depends list such packages) for precision the bar did not need.
   */
  readonly closure: boolean;
}

/** The default use: words and includes; not configure/Makevars names nor the Depends closure (see README, "How good is it"). */
export const DEFAULT_CONTENTS_INDEX_USE: ContentsIndexUse = Object.freeze({ words: true, includes: true, buildFiles: false, closure: false });

const USE_NAMES: Record<string, keyof ContentsIndexUse> = { words: 'words', includes: 'includes', 'build-files': 'buildFiles', closure: 'closure' };

/**
 * Reads a use from text (the SYSREQS_CONTENTS_INDEX setting): `default`, `all`, `none`, or a comma list
 * of `words`, `includes`, `build-files`, `closure`. Throws a message naming what is accepted.
 */
export function parseContentsIndexUse(text: string): ContentsIndexUse {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'default') return DEFAULT_CONTENTS_INDEX_USE;
  if (value === 'all') return { words: true, includes: true, buildFiles: true, closure: true };
  const use = { words: false, includes: false, buildFiles: false, closure: false };
  if (value === 'none') return use;
  for (const part of value.split(',').map((name) => name.trim())) {
    const key = USE_NAMES[part];
    if (!key) throw new Error(`'${part}' is not a use of the contents index; give default, all, none or a comma list of ${Object.keys(USE_NAMES).join(', ')}`);
    use[key] = true;
  }
  return use;
}

/** The kinds of name the index answers. */
export type FileNameKind = 'library' | 'pkg-config module' | 'tool' | 'header';

/** A platform's file index with lookups. */
export interface DebianFileIndex {
  readonly platform: string;
  /** The package shipping a name of a kind, unless it is the toolchain's or R's own. */
  lookup(kind: FileNameKind, name: string): string | undefined;
  /**
   * The package a word of a SystemRequirements item names as a library ("libxml2", "GSL", "zstd"), if
   * any, and only when the package's name bears the word (so prose words that happen to be library
   * names are not taken).
   */
  lookupWord(word: string): string | undefined;
  /** Whether the archive has a real (not virtual) -dev package of this name: one that ships files or depends on another -dev package. */
  hasDevPackage(name: string): boolean;
  /**
   * Whether an R package's LinkingTo may provide a header: true when it ships it (by its include/
   * folder's top-level names) or when the distribution's copy shows no include folder to tell.
   */
  linkingToMayProvide(rPackage: string, header: string): boolean;
  /** Every -dev package installing `osPackage` brings (its Depends, followed transitively). */
  brings(osPackage: string): ReadonlySet<string>;
}

/**
 * Names every build environment has or that autoconf's own macros probe on every package (AC_PATH_X,
 * AC_FUNC_*, libtool): not a requirement of the package. Toolchain and C library names.
 */
const BOILERPLATE_LIBRARIES = new Set([
  'c',
  'm',
  'dl',
  'rt',
  'pthread',
  'pthreads',
  'nsl',
  'socket',
  'intl',
  'iconv',
  'posix',
  'cposix',
  'sun',
  'seq',
  'gen',
  'inet',
  'ipc',
  'bsd',
  'util',
  'crypt',
  'resolv',
  'gcc',
  'gcc_s',
  'stdc++',
  'supc++',
  'gfortran',
  'quadmath',
  'gomp',
  'omp',
  'atomic',
  'R',
  'Rblas',
  'Rlapack',
  'ICE',
  'SM',
  'X11',
  'Xt',
  'Xext',
  'dnet',
  'dnet_stub',
  'z',
]);
/** Of BOILERPLATE_LIBRARIES, those a requirement text may still ask for by name ("Windows or X11"). */
const NAMED_IN_TEXT = new Set(['X11', 'Xt', 'Xext', 'ICE', 'SM']);

/** Headers of other systems' C runtimes (MSVC/MinGW): some Debian package may ship a file so named, but code including them is Windows code. */
const OTHER_SYSTEM_HEADERS = new Set([
  'io.h',
  'windows.h',
  'winsock.h',
  'winsock2.h',
  'ws2tcpip.h',
  'direct.h',
  'process.h',
  'conio.h',
  'tchar.h',
  'shlobj.h',
  'shellapi.h',
  'wincrypt.h',
  'winbase.h',
  'windef.h',
  'winnt.h',
  'share.h',
]);
/** Packages of the toolchain, the C library and R itself: already there wherever R packages are built. */
const TOOLCHAIN_PACKAGE =
  /^(?:libc6|libc6-dev-.*|linux-libc|libgcc-\d+|libstdc\+\+-\d+|libgfortran-\d+|libobjc-\d+|libgomp\d*|libquadmath\d*|libcrypt|libnsl|libtirpc|r-base|r-mathlib|libr|libxcrypt)-dev$/;
/** Words of requirement text that are not library names, whatever the archive ships under them. */
const NOT_A_LIBRARY_WORD = new Set([
  'gnu',
  'make',
  'gmake',
  'cmake',
  'library',
  'libraries',
  'lib',
  'libs',
  'headers',
  'header',
  'devel',
  'dev',
  'development',
  'system',
  'version',
  'linux',
  'unix',
  'windows',
  'macos',
  'osx',
  'and',
  'or',
  'the',
  'with',
  'for',
  'from',
  'compiler',
  'c',
  'c++',
  'r',
  'api',
  'sdk',
  'tools',
  'tool',
  'package',
  'packages',
  'software',
  'runtime',
  'support',
  'x',
  'c++11',
  'c++14',
  'c++17',
  'c++20',
  'fortran',
  // Packaging systems and their name suffixes: "libcurl-devel (rpm)", "mysql56_dev (csw)", "(brew)".
  'rpm',
  'deb',
  'brew',
  'csw',
  'devel',
  'homebrew',
  'conda',
]);

function withLowerCaseKeys(record: Readonly<Record<string, string>>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) if (!map.has(key.toLowerCase())) map.set(key.toLowerCase(), value);
  return map;
}

/**
 * Header name → its path in a folder named for it, version aside (`hunspell.hxx` → `hunspell/hunspell.hxx`,
 * `glib.h` → `glib-2.0/glib.h`); only where one such path exists.
 */
function headersInOwnFolder(headers: Readonly<Record<string, string>>): Map<string, string> {
  const found = new Map<string, string | undefined>();
  for (const path of Object.keys(headers)) {
    const match = /^([^/]+)\/(([^/.]+)\.[^/]+)$/.exec(path);
    if (!match) continue;
    const [, folder, name, stem] = match;
    if (folder !== stem && !(folder.startsWith(stem) && /^[-_.]?\d+(?:\.\d+)*$/.test(folder.slice(stem.length)))) continue;
    found.set(name, found.has(name) ? undefined : path);
  }
  return new Map([...found].filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** An index over generated data. */
export function debianFileIndex(data: DebianFileIndexData): DebianFileIndex {
  const tables = { library: data.libraries, 'pkg-config module': data.pkgConfig, tool: data.tools, header: data.headers };
  let libraries: Map<string, string> | undefined;
  let modules: Map<string, string> | undefined;
  let devPackages: Set<string> | undefined;
  let headerFolders: Map<string, string> | undefined;
  let linkable: Set<string> | undefined;
  const closures = new Map<string, Set<string>>();
  const usable = (name: string | undefined) => (name && !TOOLCHAIN_PACKAGE.test(name) ? name : undefined);
  return {
    platform: data.platform,
    lookup(kind, name) {
      if (kind === 'library' && BOILERPLATE_LIBRARIES.has(name)) return undefined;
      // pkg-config finds libraries; it is not one (the platform images have it).
      if (kind === 'tool' && (!/[-_]config$/.test(name) || name === 'pkg-config')) return undefined;
      const key = kind === 'header' ? name.replace(/^x86_64-linux-gnu\//, '') : name;
      if (kind === 'header' && OTHER_SYSTEM_HEADERS.has(key.toLowerCase())) return undefined;
      if (Object.hasOwn(tables[kind], key)) return usable(tables[kind][key]);
      if (kind !== 'header' || key.includes('/')) return undefined;
      // A library's headers in a folder of its own name, which its pkg-config Cflags add to the include path
      // (`-I/usr/include/hunspell`): <hunspell.hxx> is hunspell/hunspell.hxx, "hnswlib.h" hnswlib/hnswlib.h.
      headerFolders ??= headersInOwnFolder(data.headers);
      const inFolder = headerFolders.get(key);
      return inFolder ? usable(data.headers[inFolder]) : undefined;
    },
    lookupWord(word) {
      const lower = word.toLowerCase();
      if (lower.length < 3 || NOT_A_LIBRARY_WORD.has(lower) || /^\d/.test(lower) || /-devel$/.test(lower)) return undefined;
      libraries ??= withLowerCaseKeys(data.libraries);
      modules ??= withLowerCaseKeys(data.pkgConfig);
      const bare = lower.replace(/^lib(?=.{3})/, '');
      if (NOT_A_LIBRARY_WORD.has(bare) || (BOILERPLATE_LIBRARIES.has(bare) && ![...NAMED_IN_TEXT].some((name) => name.toLowerCase() === bare)))
        return undefined;
      // Debian's naming of library packages: the headers of library <name> are lib<name>-dev ("Boost" → libboost-dev).
      const conventional = `lib${bare}-dev`;
      // Only a package with something to link (a library, a pkg-config module, a -dev dependency): a header-only package
      // named like a word of prose (libsafe-dev, libexpected-dev) is not taken on its name alone.
      linkable ??= new Set([...Object.values(data.libraries), ...Object.values(data.pkgConfig), ...Object.keys(data.devDepends)]);
      if (linkable.has(conventional) && usable(conventional)) return conventional;
      const found = usable(libraries.get(bare) ?? modules.get(lower) ?? modules.get(bare) ?? modules.get(`lib${bare}`));
      // A word of prose that happens to be a library name ("time" → ivtools-dev) is not taken: the package must bear the
      // name (its version digits aside: "freetype2" → libfreetype-dev).
      const stem = bare.replace(/[^a-z0-9]/g, '').replace(/(?<=[a-z]{3})\d+$/, '');
      if (found && found.replace(/[^a-z0-9]/g, '').includes(stem)) return found;
      // A word that is exactly a pkg-config module's name is that module, whatever its package is called ("OpenSSL" → openssl.pc).
      return lower.length >= 4 ? usable(modules.get(lower)) : undefined;
    },
    hasDevPackage(name) {
      devPackages ??= new Set([
        ...Object.values(data.libraries),
        ...Object.values(data.pkgConfig),
        ...Object.values(data.headers),
        ...Object.values(data.tools),
        ...Object.keys(data.devDepends),
      ]);
      return devPackages.has(name);
    },
    linkingToMayProvide(rPackage, header) {
      const tops = data.rIncludes[rPackage];
      return !tops || tops.includes(header.split('/')[0]);
    },
    brings(osPackage) {
      let closure = closures.get(osPackage);
      if (!closure) {
        closure = new Set<string>();
        const queue = [...(data.devDepends[osPackage] ?? [])];
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          if (closure.has(next) || next === osPackage) continue;
          closure.add(next);
          queue.push(...(data.devDepends[next] ?? []));
        }
        closures.set(osPackage, closure);
      }
      return closure;
    },
  };
}

/** The generated index of a platform (`debian-12`), or undefined when none was generated for it. */
export function loadDebianFileIndex(platform: string, dir = DEBIAN_FILES_DIR): DebianFileIndex | undefined {
  const file = `${dir}/${platform}.json.gz`;
  if (!existsSync(file)) return undefined;
  return debianFileIndex(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as DebianFileIndexData);
}
