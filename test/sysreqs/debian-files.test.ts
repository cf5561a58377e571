/** The package contents indexes generated from Debian's Contents-amd64/Packages (sysreqs/debian-files/). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { includesOf, loadDebianFileIndex, unshippedIncludes } from '../../sysreqs/index.ts';

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
  for (const word of ['time', 'make', 'GNU', 'library', 'C++17', 'Java']) assert.is(bookworm?.lookupWord(word), undefined, word);
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

test.run();
