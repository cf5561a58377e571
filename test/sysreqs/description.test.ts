import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SysreqsError, decodeDescription, parseDcf, parseDependencyNames, parseDescription } from '../../sysreqs/index.ts';

test('continuation lines join into one field value', () => {
  const record = parseDescription('Package: sf\nVersion: 1.0\nSystemRequirements: GDAL (>= 2.0.1), GEOS (>= 3.4.0),\n        PROJ (>= 4.8.0)\nLinkingTo: Rcpp\n');
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
  assert.equal(parseDependencyNames('R (>= 3.5.0), methods,\n  Rcpp (>= 1.0.0), BH'), ['methods', 'Rcpp', 'BH']);
  assert.equal(parseDependencyNames(undefined), []);
});

test('a latin1 DESCRIPTION that declares its encoding is decoded', () => {
  const bytes = Uint8Array.from([...'Package: caf\u00e9s\nEncoding: latin1\nAuthor: Jos'].map((char) => char.charCodeAt(0)).concat([0xe9, 0x0a]));
  const text = decodeDescription(bytes);
  assert.ok(text.includes('Author: Jos\u00e9'));
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
  assert.is(parseDcf('Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n').length, 2);
});

test.run();
