/** The lists are checked against the R installed here: R's own list of its standard packages. */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BASE_PACKAGES, RECOMMENDED_PACKAGES, providedByR } from '../../r-metadata/index.ts';

const standard = JSON.parse(
  execFileSync(
    'Rscript',
    [
      '-e',
      'n <- tools:::.get_standard_package_names(); cat(sprintf(\'{"base":["%s"],"recommended":["%s"]}\', paste(n$base, collapse = \'","\'), paste(n$recommended, collapse = \'","\')))',
    ],
    { encoding: 'utf8' },
  ),
) as { base: string[]; recommended: string[] };
const sorted = (names: Iterable<string>) => [...names].sort();

test("the base packages are R's", () => {
  assert.equal(sorted(BASE_PACKAGES), sorted(standard.base));
});

test("the recommended packages are R's", () => {
  assert.equal(sorted(RECOMMENDED_PACKAGES), sorted(standard.recommended));
});

test('R and its base packages are provided by R; recommended and other packages are not', () => {
  assert.ok(providedByR('R'));
  assert.ok(providedByR('stats'));
  assert.not.ok(providedByR('Matrix'));
  assert.not.ok(providedByR('Rcpp'));
});

test.run();
