/** The install step's pure rules: which fields to install, where the cache is, what R's answer means. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dependencyCacheFor, dependencyFields, forcesSuggests, rMinorVersion } from '../../images/agent/dependencies/index.ts';
import { outcomeOf } from '../../images/agent/dependencies/dependency-installer.ts';
import { declaredDependencies } from '../../images/agent/dependencies/suggests-policy.ts';

test('a check installs Suggests too, as a bare R CMD check insists on them', () => {
  assert.ok(forcesSuggests({}));
  assert.equal(dependencyFields({}), ['Depends', 'Imports', 'LinkingTo', 'Suggests']);
});

test('_R_CHECK_FORCE_SUGGESTS_=false installs the hard dependencies only, read as R reads it', () => {
  assert.equal(dependencyFields({ _R_CHECK_FORCE_SUGGESTS_: 'false' }), ['Depends', 'Imports', 'LinkingTo']);
  assert.not.ok(forcesSuggests({ _R_CHECK_FORCE_SUGGESTS_: 'no' }));
  assert.ok(forcesSuggests({ _R_CHECK_FORCE_SUGGESTS_: 'TRUE' }));
});

test('the cache is one library per platform and R minor version', () => {
  const cache = dependencyCacheFor('/data/cache', 'r-release-linux-x86_64', 'R 4.5.2');
  assert.is(cache.library, '/data/cache/r-release-linux-x86_64/R-4.5/library');
  assert.is(cache.lockFile, '/data/cache/r-release-linux-x86_64/R-4.5/.lock');
  assert.is(rMinorVersion('4.2.2'), '4.2');
});

test("a dependency no repository has is the package's error, naming it and the repositories tried", () => {
  const outcome = outcomeOf(10, 'rfarm-missing: nosuch (>= 1.0)\nrfarm-repos: http://a\n', ['http://a', 'http://b'], 1);
  assert.equal(outcome, {
    kind: 'package-error',
    message:
      "dependencies not available from any repository: nosuch (>= 1.0); repositories tried: http://a, http://b. To fix: install it on this build host, publish it to the farm's repository (rfarm submit --publish), or add a repository that has it to the agents' FARM_R_REPOS",
  });
});

test("an unreachable repository or a failed download is the farm's failure", () => {
  assert.is(outcomeOf(11, 'rfarm-unreachable: http://a\n', ['http://a'], 1).kind, 'infrastructure');
  assert.is(outcomeOf(13, 'rfarm-download-failed: x\n', ['http://a'], 1).kind, 'infrastructure');
  assert.is(outcomeOf(1, 'Error: R broke\n', ['http://a'], 1).kind, 'infrastructure');
});

test('a ready step reports what it installed', () => {
  assert.equal(outcomeOf(0, 'rfarm-installed: bee cee\nrfarm-ready\n', [], 2.5), { kind: 'ready', installed: ['bee', 'cee'], seconds: 2.5 });
});

test('only packages beyond R and its base packages count as dependencies, across continuation lines', () => {
  const description = 'Package: a\nDepends: R (>= 4.1), methods\nImports: stats,\n    utils, B (>= 1.0),\n  C\nSuggests: testthat\n';
  assert.equal(declaredDependencies(description, ['Depends', 'Imports', 'LinkingTo']), ['B', 'C']);
  assert.equal(declaredDependencies(description, ['Depends', 'Suggests']), ['testthat']);
  assert.equal(declaredDependencies('Package: a\nDepends: R (>= 3.5)\n', ['Depends', 'Imports', 'LinkingTo']), []);
});

test.run();
