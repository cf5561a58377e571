import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SysreqsError, parseDescription, parsePackagesIndex } from '../../sysreqs/index.ts';

test('continuation lines join into one field value', () => {
  const record = parseDescription(
    'Package: sf\nVersion: 1.0\nSystemRequirements: GDAL (>= 2.0.1), GEOS (>= 3.4.0),\n        PROJ (>= 4.8.0)\nLinkingTo: Rcpp\n',
  );
  assert.is(record.name, 'sf');
  assert.is(record.systemRequirements, 'GDAL (>= 2.0.1), GEOS (>= 3.4.0),\nPROJ (>= 4.8.0)');
  assert.equal(record.linkingTo, ['Rcpp']);
});

test('CRLF line ends and a byte order mark are accepted', () => {
  const record = parseDescription('\uFEFFPackage: xml2\r\nSystemRequirements: libxml2\r\n');
  assert.is(record.name, 'xml2');
  assert.is(record.systemRequirements, 'libxml2');
});

test('dependency fields lose versions, R itself and whitespace', () => {
  const record = parseDescription('Package: a\nDepends: R (>= 3.5.0), methods,\n  Rcpp (>= 1.0.0), BH\nSuggests: testthat\n');
  assert.equal(record.depends, ['methods', 'Rcpp', 'BH']);
  assert.equal(record.imports, []);
  assert.equal(record.suggests, ['testthat']);
});

test('a latin1 DESCRIPTION that declares its encoding is decoded', () => {
  const bytes = Buffer.from('Package: cafes\nEncoding: latin1\nSystemRequirements: caf\u00e9 (>= 1)\n', 'latin1');
  assert.is(parseDescription(bytes).systemRequirements, 'caf\u00e9 (>= 1)');
});

test('a line that is neither a field nor a continuation is malformed', () => {
  try {
    parseDescription('Package: x\nthis is not a field\n');
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, SysreqsError);
    assert.is((error as SysreqsError).code, 'malformed_description');
    assert.match((error as Error).message, /line 2/);
  }
});

test('a DESCRIPTION without a Package field is malformed', () => {
  assert.throws(() => parseDescription('Version: 1.0\n'), /no 'Package' field/);
});

test('PACKAGES text parses into one record per paragraph', () => {
  assert.equal([...parsePackagesIndex('Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n', 'test').packages.keys()], ['a', 'b']);
});

test('a latin1 DESCRIPTION that does not declare its encoding is still read', () => {
  const bytes = Buffer.from('Package: xml2\nAuthor: Fran\u00e7ois\nSystemRequirements: libxml2\n', 'latin1');
  assert.is(parseDescription(bytes).systemRequirements, 'libxml2');
});

test('a blank line inside a DESCRIPTION is malformed', () => {
  assert.throws(
    () => parseDescription('Package: x\n\nVersion: 1\n'),
    (error: Error) => error instanceof SysreqsError && /line 2 is blank/.test(error.message),
  );
});

test.run();
