/** The cross-validation of the name lists drops exactly the held-out packages' entries. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RULES_DIR, loadRuleDatabase } from '../../sysreqs/index.ts';
import { FOLDS, foldOf, rulesWithout } from './cross-validation.ts';

const shipped = loadRuleDatabase(DEFAULT_RULES_DIR);

test('rules written without a fold lose the name-list entries of its packages, and only those', () => {
  const without = rulesWithout(new Set(['sf', 'dqrng']));
  assert.ok(shipped.byPackage.has('sf') && shipped.byLinkingTo.has('dqrng'));
  assert.not.ok(without.byPackage.has('sf'));
  assert.not.ok(without.byPackage.has('dqrng'));
  assert.not.ok(without.byLinkingTo.has('dqrng'));
  assert.is(without.byPackage.get('terra')?.length, shipped.byPackage.get('terra')?.length);
  assert.is(without.rules.length, shipped.rules.length);
});

test('every package falls in one fixed fold', () => {
  for (const name of ['sf', 'xml2', 'RcppHNSW']) {
    assert.ok(foldOf(name) >= 0 && foldOf(name) < FOLDS);
    assert.is(foldOf(name), foldOf(name));
  }
  assert.ok(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((name) => foldOf(name))).size > 1);
});

test.run();
