/** What badges say: the worst result across platforms, and the newest version in a PACKAGES index. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkBadge, compareRVersions, newestVersion, versionBadge, type LatestResult } from '../../control-plane/badges/index.ts';

const says = (svg: string) => /aria-label="([^"]*)"/.exec(svg)?.[1];
const result = (platform: string, status: LatestResult['status'], verdict: LatestResult['result']): LatestResult => ({
  package: 'p',
  version: '1.0',
  platform,
  status,
  result: verdict,
  submittedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:01:00Z',
});

test('across platforms the badge shows the worst check result; a farm failure does not hide a package problem', () => {
  assert.is(says(checkBadge('R CMD check', [result('a', 'DONE', 'OK'), result('b', 'DONE', 'NOTE')])), 'R CMD check: NOTE');
  assert.is(says(checkBadge('R CMD check', [result('a', 'FAILED', null), result('b', 'DONE', 'WARNING')])), 'R CMD check: WARNING');
  assert.is(says(checkBadge('R CMD check', [result('a', 'DONE', 'ERROR'), result('b', 'TIMEOUT', null)])), 'R CMD check: ERROR');
  assert.is(says(checkBadge('R CMD check', [result('a', 'TIMEOUT', null)])), 'R CMD check: timed out');
  assert.is(says(checkBadge('x', [])), 'x: no results');
});

test('text in a badge is escaped', () => {
  assert.not.match(versionBadge('<script>', '1.0'), '<script>');
});

test("the newest version of a package in a PACKAGES index, by R's version order", () => {
  const index = 'Package: a\nVersion: 1.9.0\n\nPackage: b\nVersion: 2.0\nDepends: R (>= 4.0),\n    a\n\nPackage: a\nVersion: 1.10.0\n';
  assert.is(newestVersion(index, 'a'), '1.10.0');
  assert.is(newestVersion(index, 'b'), '2.0');
  assert.is(newestVersion(index, 'c'), null);
  assert.is(compareRVersions('1.0-1', '1.0.0'), 1);
  assert.is(compareRVersions('1.0', '1.0.0'), -1);
});

test.run();
