/**
 * The packages whose verdicts the farm and a bare `R CMD check` are compared on
 * (test/spine/check-semantics.test.ts, platform-environment.test.ts), built as a person would.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentedHello, writePackage, type PackageSpec } from './r-packages.ts';

/** Tests that skip on CRAN (testthat's skip_on_cran()) and fail where they run. */
export const skipper: PackageSpec = {
  name: 'skipper',
  fields: { Suggests: 'testthat' },
  files: {
    ...documentedHello,
    'tests/testthat.R': 'library(testthat)\nlibrary(skipper)\ntest_check("skipper")\n',
    'tests/testthat/test-cran.R': 'test_that("a test CRAN does not run", {\n  skip_on_cran()\n  expect_equal(hello(), "goodbye")\n})\n',
  },
};
/** A Suggests no repository has. */
export const suggester: PackageSpec = { name: 'suggester', fields: { Suggests: 'nosuchsuggest77' }, files: documentedHello };

/** R CMD build, as a person would before `R CMD check`: both sides check these same bytes. */
export function built(spec: PackageSpec): { path: string; data: Buffer } {
  const root = writePackage(spec);
  execFileSync('R', ['CMD', 'build', '--no-manual', spec.name], { cwd: root, stdio: 'ignore' });
  const path = join(root, `${spec.name}_0.1.0.tar.gz`);
  return { path, data: readFileSync(path) };
}
