/** The package contents indexes generated from Debian's Contents-amd64/Packages (sysreqs/debian-files/). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  generatedHeader,
  includesOf,
  loadDebianFileIndex,
  parseContentsIndexUse,
  reachedIncludes,
  unshippedIncludes,
  DEFAULT_CONTENTS_INDEX_USE,
} from '../../sysreqs/index.ts';
import { loadConfig } from '../../sysreqs/config.ts';

const bookworm = loadDebianFileIndex('debian-12');
const trixie = loadDebianFileIndex('debian-13');

test('Debian 12 and 13 have an index; other platforms have none', () => {
  assert.ok(bookworm && trixie);
  assert.is(loadDebianFileIndex('ubuntu-24.04'), undefined);
});

test('linker names, pkg-config modules, configuration tools and headers map to the -dev package shipping them', () => {
  assert.is(bookworm?.lookup('library', 'xml2'), 'libxml2-dev');
  assert.is(bookworm?.lookup('library', 'yaml'), 'libyaml-dev');
  assert.is(bookworm?.lookup('pkg-config module', 'libssh2'), 'libssh2-1-dev');
  assert.is(bookworm?.lookup('tool', 'pg_config'), 'libpq-dev');
  assert.is(bookworm?.lookup('header', 'uuid/uuid.h'), 'uuid-dev');
  assert.is(trixie?.lookup('library', 'gsl'), 'libgsl-dev');
});

test("the toolchain's and autoconf's own names, and pkg-config itself, are not requirements", () => {
  for (const name of ['m', 'pthread', 'dl', 'c', 'X11', 'z', 'R']) assert.is(bookworm?.lookup('library', name), undefined, name);
  assert.is(bookworm?.lookup('header', 'stdio.h'), undefined);
  assert.is(bookworm?.lookup('header', 'io.h'), undefined, "Windows' io.h is not libowfat's");
  assert.is(bookworm?.lookup('tool', 'pkg-config'), undefined);
  assert.is(bookworm?.lookup('tool', 'sed'), undefined);
});

test('a word of requirement text is a library only when the package bears its name', () => {
  assert.is(bookworm?.lookupWord('GSL'), 'libgsl-dev');
  assert.is(bookworm?.lookupWord('libxml2'), 'libxml2-dev');
  assert.is(bookworm?.lookupWord('zstd'), 'libzstd-dev');
  for (const word of ['time', 'make', 'GNU', 'library', 'C++17', 'Java', 'rpm', 'brew', 'libcurl-devel'])
    assert.is(bookworm?.lookupWord(word), undefined, word);
});

test("Debian's lib<name>-dev naming, pkg-config module names and version digits map words no rule knows", () => {
  assert.is(bookworm?.lookupWord('Boost'), 'libboost-dev');
  assert.is(bookworm?.lookupWord('openmpi'), 'libopenmpi-dev');
  assert.is(bookworm?.lookupWord('X11'), 'libx11-dev');
  assert.is(bookworm?.lookupWord('OpenSSL'), 'libssl-dev');
  assert.is(bookworm?.lookupWord('freetype2'), 'libfreetype-dev');
  assert.ok(bookworm?.hasDevPackage('libboost-dev'));
  // libcurl-dev is only a name other packages provide: not a package apt can pick alone.
  assert.not.ok(bookworm?.hasDevPackage('libcurl-dev'));
});

test('what a -dev package brings follows Depends transitively', () => {
  const cairo = bookworm?.brings('libcairo2-dev');
  assert.ok(cairo?.has('libfreetype-dev') && cairo.has('libpng-dev') && cairo.has('zlib1g-dev'));
  assert.not.ok(cairo?.has('libxt-dev'));
});

test("a LinkingTo package may provide a header when it ships that include folder, or when Debian's copy shows none", () => {
  assert.ok(bookworm?.linkingToMayProvide('RcppEigen', 'Eigen/Dense'));
  assert.not.ok(bookworm?.linkingToMayProvide('RcppEigen', 'gsl/gsl_rng.h'));
  assert.ok(bookworm?.linkingToMayProvide('BH', 'boost/lexical_cast.hpp'));
});

test("only unconditional <…> includes count; include guards are not conditions; the package's own headers are not the system's", () => {
  const code = [
    '#ifndef MYPKG_H',
    '#define MYPKG_H',
    '#include <uv.h>',
    '#include "local.h"',
    '#include <bundled/thing.h>',
    '#ifdef _WIN32',
    '#include <windows.h>',
    '#else',
    '#include <sys/mman.h>',
    '#endif',
    '#if HAVE_LIBDEFLATE',
    '#include <libdeflate.h>',
    '#endif',
    '#endif',
  ].join('\n');
  const includes = includesOf('src/mypkg.h', code);
  assert.equal(
    includes.map((include) => include.header),
    ['uv.h', 'bundled/thing.h'],
  );
  assert.equal(includes[0], { header: 'uv.h', file: 'src/mypkg.h', line: 3 });
  assert.equal(
    unshippedIncludes(includes, new Set(['src/bundled/thing.h', 'src/mypkg.h'])).map((include) => include.header),
    ['uv.h'],
  );
});

test('code in block comments is not read; only files a build compiles (src/ sources and the headers they reach) count', () => {
  assert.equal(
    includesOf('src/a.c', '/* old:\n#include <gsl/gsl_math.h>\n*/\n#include <uv.h>\n').map((include) => include.header),
    ['uv.h'],
  );
  const includes = [
    ...includesOf('src/main.cpp', '#include "lib/used.hpp"\n#include <zlib.h>\n', { quoted: true }),
    ...includesOf('inst/include/lib/used.hpp', '#include <toml++/toml.h>\n', { quoted: true }),
    ...includesOf('inst/include/lib/unused.hpp', '#include <coin/IpTNLP.hpp>\n', { quoted: true }),
    ...includesOf('src/gsl_poly.h', '#include <gsl/gsl_complex.h>\n', { quoted: true }),
  ];
  const paths = new Set(['src/main.cpp', 'inst/include/lib/used.hpp', 'inst/include/lib/unused.hpp', 'src/gsl_poly.h']);
  assert.equal(
    unshippedIncludes(reachedIncludes(includes), paths).map((include) => include.header),
    ['zlib.h', 'toml++/toml.h'],
  );
});

test('architecture-independent -dev packages (header-only libraries, listed in Contents-all) are in the index', () => {
  for (const index of [bookworm, trixie]) {
    assert.is(index?.lookup('header', 'hnswlib/hnswlib.h'), 'libhnswlib-dev');
    assert.ok(index?.hasDevPackage('libhnswlib-dev'));
  }
  assert.is(bookworm?.lookup('header', 'pcg_random.hpp'), 'libpcg-cpp-dev');
  assert.is(bookworm?.lookup('header', 'Eigen/Dense'), undefined, 'Eigen/Dense has no extension: not indexed');
  assert.is(bookworm?.lookup('header', 'nlohmann/json.hpp'), 'nlohmann-json3-dev');
});

test('a word is not taken as a header-only package of that name (prose words: "safe", "expected")', () => {
  assert.ok(bookworm?.hasDevPackage('libsafe-dev') && bookworm?.hasDevPackage('libexpected-dev'));
  for (const word of ['safe', 'Safe', 'expected', 'args']) assert.is(bookworm?.lookupWord(word), undefined, word);
  // A header-only library's exact pkg-config module name still maps ("RapidJSON" → RapidJSON.pc).
  assert.is(bookworm?.lookupWord('RapidJSON'), 'rapidjson-dev');
});

test('.hxx headers are indexed, and a bare header name is found in a folder of its own name (version aside)', () => {
  assert.is(bookworm?.lookup('header', 'hunspell/hunspell.hxx'), 'libhunspell-dev');
  // `pkg-config --cflags hunspell` is -I/usr/include/hunspell: <hunspell.hxx> is that folder's.
  assert.is(bookworm?.lookup('header', 'hunspell.hxx'), 'libhunspell-dev');
  assert.is(bookworm?.lookup('header', 'hnswlib.h'), 'libhnswlib-dev');
  assert.is(bookworm?.lookup('header', 'glib.h'), 'libglib2.0-dev');
  // Only a bare name is redirected, and only to a folder named for it.
  assert.is(bookworm?.lookup('header', 'other/hunspell.hxx'), undefined);
  assert.is(bookworm?.lookup('header', 'atypes.hxx'), undefined);
});

test('a LinkingTo package whose Debian copy ships no headers provides those of the -dev packages it depends on (BH: boost/), nothing else', () => {
  assert.ok(bookworm?.linkingToMayProvide('BH', 'boost/random/normal_distribution.hpp'));
  assert.not.ok(bookworm?.linkingToMayProvide('BH', 'pcg_random.hpp'));
  assert.not.ok(bookworm?.linkingToMayProvide('BH', 'sys/types.h'), "the C library's headers are not BH's");
  assert.ok(bookworm?.linkingToMayProvide('sitmo', 'threefry.h'));
});

test('an unshipped #include "…" counts, unless it is relative to its file or the build makes it', () => {
  // fs 1.6.1+dfsg, src/dir.cc and src/error.h: "uv.h" came from the removed src/libuv-1.44.2/include.
  const includes = [
    ...includesOf('src/dir.cc', '#include "getmode.h"\n#include "uv.h"\n', { quoted: true }),
    // hunspell 3.0.5+dfsg, src/parsers/textparser.cc: the removed bundled folder, by a relative path.
    ...includesOf('src/parsers/textparser.cc', '#include "../hunspell/csutil.hxx"\n#include "textparser.hxx"\n', { quoted: true }),
    // leidenbase: configure makes src/config.h from src/config.h.in.
    ...includesOf('src/leiden.cpp', '#include "config.h"\n', { quoted: true }),
  ];
  const paths = new Set(['src/dir.cc', 'src/getmode.h', 'src/parsers/textparser.cc', 'src/parsers/textparser.hxx', 'src/leiden.cpp', 'src/config.h.in']);
  const generated = (header: string) => generatedHeader(header, paths, []);
  assert.equal(
    unshippedIncludes(includes, paths, generated).map((include) => [include.header, include.quoted]),
    [['uv.h', true]],
  );
  assert.ok(generatedHeader('version.h', new Set(['src/x.c']), ['cat > src/version.h <<EOF']), 'a header configure writes');
  assert.not.ok(generatedHeader('uv.h', new Set(['src/x.c']), ['PKG_LIBS = -luv']));
});

test('SYSREQS_CONTENTS_INDEX: default uses words and includes, not configure/Makevars names nor the closure; bad values are one message', () => {
  assert.equal(loadConfig({}).contentsIndex, DEFAULT_CONTENTS_INDEX_USE);
  assert.equal(DEFAULT_CONTENTS_INDEX_USE, { words: true, includes: true, buildFiles: false, closure: false });
  assert.equal(parseContentsIndexUse('all'), { words: true, includes: true, buildFiles: true, closure: true });
  assert.equal(parseContentsIndexUse('none'), { words: false, includes: false, buildFiles: false, closure: false });
  assert.equal(parseContentsIndexUse('build-files, closure'), { words: false, includes: false, buildFiles: true, closure: true });
  assert.throws(() => loadConfig({ SYSREQS_CONTENTS_INDEX: 'everything' }), /SYSREQS_CONTENTS_INDEX: 'everything' is not a use/);
});

test.run();
