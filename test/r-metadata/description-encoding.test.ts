import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DescriptionError, decodeDescription } from '../../r-metadata/index.ts';

const latin1 = (text: string) => Buffer.from(text, 'latin1');

function decodeError(bytes: Uint8Array): DescriptionError {
  try {
    decodeDescription(bytes);
  } catch (error) {
    assert.instance(error, DescriptionError);
    return error as DescriptionError;
  }
  throw new Error('expected the bytes to be refused');
}

test('reads UTF-8 and drops a byte order mark', () => {
  assert.is(decodeDescription(Buffer.from('\uFEFFPackage: caf\u00e9\n', 'utf8')), 'Package: caf\u00e9\n');
});

test('reads a file that declares latin1 as latin1, as R does', () => {
  assert.is(decodeDescription(latin1('Package: demo\nEncoding: latin1\nAuthor: Fran\u00e7ois\n')), 'Package: demo\nEncoding: latin1\nAuthor: Fran\u00e7ois\n');
  assert.match(decodeDescription(latin1('Encoding: ISO-8859-1\nAuthor: M\u00fcller\n')), /M\u00fcller/);
});

test('reads a file that declares cp1252 as latin1', () => {
  assert.is(decodeDescription(latin1('Encoding: CP1252\nAuthor: Jos\u00e9\n')), 'Encoding: CP1252\nAuthor: Jos\u00e9\n');
});

test('refuses undeclared text that is not UTF-8, saying how to fix it', () => {
  assert.match(decodeError(latin1('Package: demo\nAuthor: Fran\u00e7ois\n')).message, /not valid UTF-8; declare Encoding: latin1 or re-save it as UTF-8$/);
  assert.match(decodeError(latin1('Encoding: EUC-JP\nAuthor: Fran\u00e7ois\n')).message, /not 'euc-jp'/);
});

test('reads undeclared non-UTF-8 text as latin1 when the reader asks to', () => {
  assert.is(decodeDescription(latin1('Author: Fran\u00e7ois\n'), { undeclaredAsLatin1: true }), 'Author: Fran\u00e7ois\n');
});

test('refuses a NUL byte', () => {
  assert.match(decodeError(Uint8Array.from([0x50, 0x3a, 0x00, 0x0a])).message, /NUL byte/);
});

test.run();
