import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FarmError } from '../../../control-plane/errors.ts';
import { parseDcf } from '../../../control-plane/uploads/index.ts';

function parseError(text: string): FarmError {
  try {
    parseDcf(text);
  } catch (error) {
    assert.instance(error, FarmError);
    assert.is((error as FarmError).code, 'invalid_description');
    return error as FarmError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

test('parses fields, trimming values and joining continuation lines with newlines', () => {
  const fields = parseDcf('Package: demo\nVersion:1.0\nDepends: R (>= 4.1),\n    methods\nConfig/testthat/edition: 3\n\n\n');
  assert.equal({ ...fields }, { Package: 'demo', Version: '1.0', Depends: 'R (>= 4.1),\nmethods', 'Config/testthat/edition': '3' });
});

test('starts a value on the continuation line when the field line has none', () => {
  assert.is(parseDcf('Description:\n  Does things.\n').Description, 'Does things.');
});

test('keeps a field called __proto__ as a plain field', () => {
  const fields = parseDcf('__proto__: x\nconstructor: y\n');
  assert.is(fields.__proto__, 'x');
  assert.is(Object.keys(fields).length, 2);
});

test('refuses a continuation line before any field', () => {
  assert.match(parseError('  indented\nPackage: demo\n').message, /line 1 is indented/);
});

test('refuses a field name with characters R does not allow', () => {
  assert.match(parseError('Package: demo\nBad!Name: x\n').message, /line 2: field name 'Bad!Name'/);
});

test('refuses a field given twice', () => {
  assert.match(parseError('Package: a\nVersion: 1.0\nPackage: b\n').message, /'Package' appears twice, on lines 1 and 3/);
});

test('refuses an empty text', () => {
  assert.match(parseError('\n\n').message, /holds no fields/);
});

test.run();
