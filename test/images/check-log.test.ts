/** Reading 00check.log into a result: the counts always agree with the items listed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCheckLog } from '../../images/agent/check-log.ts';
import { withItems } from '../../images/agent/check-verdict.ts';

const log = [
  '* using log directory ‘/job/demo.Rcheck’',
  '* checking for file ‘demo/DESCRIPTION’ ... OK',
  '* checking tests ...',
  '  Running ‘testthat.R’',
  ' ERROR',
  'Running the tests in ‘tests/testthat.R’ failed.',
  '* DONE',
  'Status: 1 ERROR',
].join('\n');

test('a failed test block is one ERROR, counted once', () => {
  const result = parseCheckLog(log);
  assert.is(result.status, 'ERROR');
  assert.is(result.errors, 1);
  assert.is(result.items.length, 1);
  assert.is(result.items[0].check, 'checking tests');
});

test("an item the farm adds (missing system requirements) is counted with the check's own: 2 errors for two ERROR items", () => {
  const result = withItems(parseCheckLog(log), [{ severity: 'ERROR', check: 'system requirements', text: 'missing: libfoo' }]);
  assert.is(result.items.filter((item) => item.severity === 'ERROR').length, 2);
  assert.is(result.errors, 2);
  assert.is(result.status, 'ERROR');
});

test('adding a NOTE to an OK result makes it a NOTE with one note', () => {
  const result = withItems(parseCheckLog('* checking foo ... OK\n'), [{ severity: 'NOTE', check: 'x', text: 'y' }]);
  assert.equal([result.status, result.notes, result.errors], ['NOTE', 1, 0]);
});

test.run();
