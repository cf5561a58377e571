import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DescriptionError, parseDcf, parseDcfRecord } from '../../r-metadata/index.ts';

function parseError(text: string, parse: (text: string) => unknown = parseDcfRecord): DescriptionError {
  try {
    parse(text);
  } catch (error) {
    assert.instance(error, DescriptionError);
    return error as DescriptionError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

test('parses fields, trimming values and joining continuation lines with newlines', () => {
  const fields = parseDcfRecord('Package: demo\nVersion:1.0\nDepends: R (>= 4.1),\n    methods\nConfig/testthat/edition: 3\n\n\n');
  assert.equal({ ...fields }, { Package: 'demo', Version: '1.0', Depends: 'R (>= 4.1),\nmethods', 'Config/testthat/edition': '3' });
});

test('starts a value on the continuation line when the field line has none', () => {
  assert.is(parseDcfRecord('Description:\n  Does things.\n').Description, 'Does things.');
});

test('accepts CRLF line ends, a byte order mark and leading blank lines', () => {
  assert.equal(
    { ...parseDcfRecord('\uFEFF\r\nPackage: xml2\r\nSystemRequirements: libxml2,\r\n  zlib\r\n') },
    { Package: 'xml2', SystemRequirements: 'libxml2,\nzlib' },
  );
});

test('keeps a field called __proto__ as a plain field', () => {
  const fields = parseDcfRecord('__proto__: x\nconstructor: y\n');
  assert.is(fields.__proto__, 'x');
  assert.is(Object.keys(fields).length, 2);
});

test('splits PACKAGES text into one record per paragraph', () => {
  const records = parseDcf('Package: a\nVersion: 1\n\n\nPackage: b\nVersion: 2\nImports: a\n');
  assert.equal(
    records.map((record) => ({ ...record })),
    [
      { Package: 'a', Version: '1' },
      { Package: 'b', Version: '2', Imports: 'a' },
    ],
  );
});

test('refuses a blank line inside a DESCRIPTION, naming it', () => {
  const error = parseError('Package: demo\n\nVersion: 1.0\n');
  assert.match(error.message, /line 2 is blank, but DESCRIPTION must be a single record/);
  assert.is(error.line, 2);
});

test('refuses a continuation line before any field', () => {
  assert.match(parseError('  indented\nPackage: demo\n').message, /line 1 is indented/);
  assert.match(parseError('Package: a\n\n  indented\n', parseDcf).message, /line 3 is indented/);
});

test('refuses a line that is neither a field nor a continuation', () => {
  assert.match(parseError('Package: x\nthis is not a field\n').message, /line 2 is neither a 'Field: value' line/);
});

test('refuses a field name with characters R does not allow', () => {
  assert.match(parseError('Package: demo\nBad!Name: x\n').message, /line 2: field name 'Bad!Name'/);
});

test('refuses a field given twice in one record, not across records', () => {
  assert.match(parseError('Package: a\nVersion: 1.0\nPackage: b\n').message, /'Package' appears twice, on lines 1 and 3/);
  assert.is(parseDcf('Package: a\n\nPackage: b\n').length, 2);
});

test('refuses an empty text as a DESCRIPTION; it is an empty PACKAGES index', () => {
  assert.match(parseError('\n\n').message, /holds no fields/);
  assert.equal(parseDcf('\n\n'), []);
});

test.run();
