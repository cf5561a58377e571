/** rfarm records and output in r-hub 1.x terms: statuses, the live log's pages, and the platform list. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PLATFORMS, findPlatform } from '../../images/index.ts';
import { newBuildRecord, type BuildRecord } from '../../protocol/index.ts';
import { RHUB_ALIASES, rhubPlatformList } from '../../control-plane/rhub/rhub-platforms.ts';
import { finishedLine, livelogPage, rhubLines, rhubStatusOf } from '../../control-plane/rhub/rhub-status.ts';
import { newRhubId, rhubIdHex } from '../../control-plane/rhub/rhub-store.ts';

const build = (fields: Partial<BuildRecord>): BuildRecord => ({
  ...newBuildRecord('0'.repeat(32), 'r-release-linux-x86_64', '2026-01-01T00:00:00.000Z'),
  status: 'DONE',
  queueSequence: 1,
  attempt: 1,
  ...fields,
});
const result = (status: 'OK' | 'NOTE' | 'WARNING' | 'ERROR') => ({ status, notes: 0, warnings: 0, errors: 0, items: [] });

test('rfarm statuses map onto the 1.x values', () => {
  assert.is(rhubStatusOf(build({ status: 'SUBMITTED' })), 'created');
  assert.is(rhubStatusOf(build({ status: 'QUEUED' })), 'created');
  assert.is(rhubStatusOf(build({ status: 'RUNNING' })), 'in-progress');
  assert.is(rhubStatusOf(build({ status: 'DONE', result: result('OK') })), 'ok');
  assert.is(rhubStatusOf(build({ status: 'DONE', result: result('NOTE') })), 'note');
  assert.is(rhubStatusOf(build({ status: 'DONE', result: result('WARNING') })), 'warning');
  assert.is(rhubStatusOf(build({ status: 'DONE', result: result('ERROR') })), 'error');
  assert.is(rhubStatusOf(build({ status: 'FAILED' })), 'preperror');
  assert.is(rhubStatusOf(build({ status: 'CANCELLED' })), 'aborted');
  assert.is(rhubStatusOf(build({ status: 'TIMEOUT' })), 'aborted');
});

test('the finished line says what the 1.x client prints for aborted and broken builds', () => {
  assert.is(finishedLine(build({ status: 'CANCELLED' })), 'Finished: ABORTED');
  assert.is(finishedLine(build({ status: 'FAILED' })), 'Finished: ERROR');
  assert.is(finishedLine(build({ status: 'DONE', result: result('NOTE') })), 'Finished: SUCCESS');
});

test("rfarm's section markers become r-hub's, and the check section starts the console's check view", () => {
  assert.equal(rhubLines('>>> rfarm: R CMD build\nx\n>>> rfarm: R CMD check\n* checking\n'), [
    '>>>>>===== R CMD build',
    'x',
    '>>>>>===== Running R CMD check',
    '* checking',
  ]);
});

test('a running build serves only complete lines, and the partial one comes whole next time', () => {
  const first = livelogPage('one\ntwo\npar', 0, null);
  assert.equal(first, { text: ['one', 'two'], more: true, size: 2 });
  assert.equal(livelogPage('one\ntwo\npartial line\n', first.size, null), { text: ['partial line'], more: true, size: 3 });
  assert.equal(livelogPage('', 0, null), { text: [], more: true, size: 0 });
});

test('a finished build ends with its Finished line, and the final page is never empty', () => {
  assert.equal(livelogPage('one\ntwo', 1, 'Finished: SUCCESS'), { text: ['two', 'Finished: SUCCESS'], more: false, size: 3 });
  assert.equal(livelogPage('one\n', 9, 'Finished: ABORTED').text, ['Finished: ABORTED']);
});

test('ids take the 1.x form and only that form is recognised', () => {
  const id = newRhubId('pkg.name', '1.0-2');
  assert.match(id, /^pkg\.name_1\.0-2\.tar\.gz-[0-9a-f]{32}$/);
  assert.is(rhubIdHex(id), id.slice(-32));
  assert.is(rhubIdHex('0123456789abcdef0123456789abcdef'), null);
});

test('every old r-hub name points at a catalogue platform, and check_for_cran() defaults are there', () => {
  for (const alias of RHUB_ALIASES) assert.ok(findPlatform(alias.platform), `${alias.name} → ${alias.platform}`);
  const names = rhubPlatformList(PLATFORMS).map((entry) => entry.name);
  for (const name of ['windows-x86_64-devel', 'ubuntu-gcc-release', 'fedora-clang-devel', 'linux-x86_64-rocker-gcc-san', 'debian-gcc-release']) {
    assert.ok(names.includes(name), name);
  }
  assert.is(new Set(names).size, names.length, 'names are unique');
});

test.run();
