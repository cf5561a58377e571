import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dependencyNames, parseDependencyField } from '../../r-metadata/index.ts';

test('reads names and version constraints across line breaks', () => {
  assert.equal(parseDependencyField('R (>= 4.1.0), methods,\n  Rcpp(>=1.0.0), BH (== 1.81.0-1),\n\tdata.table (<2.0)'), [
    { name: 'R', constraint: { operator: '>=', version: '4.1.0' } },
    { name: 'methods' },
    { name: 'Rcpp', constraint: { operator: '>=', version: '1.0.0' } },
    { name: 'BH', constraint: { operator: '==', version: '1.81.0-1' } },
    { name: 'data.table', constraint: { operator: '<', version: '2.0' } },
  ]);
});

test('an absent or empty field and a trailing comma give no entries', () => {
  assert.equal(parseDependencyField(undefined), []);
  assert.equal(parseDependencyField(''), []);
  assert.equal(parseDependencyField('a, b,'), [{ name: 'a' }, { name: 'b' }]);
});

test('an entry that is not an R package name is left out, a platform qualifier dropped', () => {
  assert.equal(parseDependencyField('good, 9bad, also bad, qual [unix]'), [{ name: 'good' }, { name: 'qual' }]);
});

test('names drop the versions and R itself', () => {
  assert.equal(dependencyNames('R (>= 3.5.0), methods,\n  Rcpp (>= 1.0.0), BH'), ['methods', 'Rcpp', 'BH']);
  assert.equal(dependencyNames(undefined), []);
});

test.run();
