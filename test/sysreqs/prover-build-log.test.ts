/** The prover's reading of build output: what was missing, or why it failed otherwise. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyBuild } from '../../sysreqs/prover/build-log.ts';

test('a build that ends in DONE is built', () => {
  assert.equal(classifyBuild(0, '** testing if installed package can be loaded\n* DONE (xml2)\n'), { outcome: 'built' });
});

test('a missing header, library, pkg-config module or tool is a missing system requirement, naming it', () => {
  const cases: Array<[string, string]> = [
    ['gdal.cpp:3:10: fatal error: gdal.h: No such file or directory\ncompilation terminated.\n', 'header gdal.h'],
    ['/usr/bin/ld: cannot find -lxml2: No such file or directory\ncollect2: error: ld returned 1 exit status\n', 'library -lxml2'],
    ["Package libzmq was not found in the pkg-config search path.\nPerhaps you should add the directory containing `libzmq.pc'\n", 'pkg-config libzmq'],
    [
      '--------------------------- [ANTICONF] --------------------------------\nConfiguration failed because libcurl was not found. Try installing:\n',
      'pkg-config libcurl',
    ],
    ['checking for gdal-config... no\n./configure: 1: gdal-config: not found\n', 'tool gdal-config'],
    ['checking for xml2-config... no\nCannot find xml2-config\n', 'tool xml2-config'],
    ['checking for proj.h... no\nconfigure: error: libproj not found in standard or given locations.\n', 'library libproj'],
    ['checking for udunits2.h... no\n-----Error: udunits2.h not found-----\n', 'header udunits2.h'],
  ];
  for (const [output, what] of cases) {
    const verdict = classifyBuild(1, `* installing *source* package 'x' ...\n${output}ERROR: configuration failed for package 'x'\n`);
    assert.is(verdict.outcome, 'missing system requirement', output);
    assert.is(verdict.what, what);
  }
});

test('a missing R dependency or the network is another failure, not counted against sysreqs', () => {
  assert.equal(classifyBuild(1, "ERROR: dependencies 'Rcpp', 'BH' are not available for package 'x'\n").outcome, 'other failure');
  assert.is(
    classifyBuild(1, 'Error in loadNamespace(x) : there is no package called ‘Rcpp’\nfatal error: foo.h: No such file or directory\n').what,
    'R dependency Rcpp not installed',
  );
  assert.is(classifyBuild(1, 'curl: (6) Could not resolve host: cran.r-project.org\n').what, 'network');
  assert.is(classifyBuild(1, "make: *** No rule to make target 'libuv/m4/lt_obsolete.m4'.  Stop.\n").what, 'source incomplete: no libuv/m4/lt_obsolete.m4');
  assert.is(classifyBuild(1, "URL 'https://github.com/x/y.tar.gz': status was 'Couldn't resolve host name'\n").what, 'network');
});

test('an exit code of 0 without R saying DONE is not a build', () => {
  assert.is(classifyBuild(0, 'nothing happened\n').outcome, 'other failure');
});

test.run();
