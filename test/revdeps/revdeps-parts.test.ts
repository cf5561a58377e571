/** The pure parts of reverse-dependency checks: finding reverse dependencies in PACKAGES indices, and comparing two checks. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckItem, CheckResult } from '../../protocol/index.ts';
import { dependencyNames } from '../../r-metadata/index.ts';
import {
  diffFindings,
  newestListedVersion,
  REVDEP_SCOPES,
  revdepResult,
  reverseDependencies,
  unmetRequirement,
  type RevdepPair,
} from '../../control-plane/revdeps/index.ts';
import { newBuildRecord, type BuildRecord } from '../../protocol/index.ts';
import { descriptionText } from '../support/r-packages.ts';

/** A PACKAGES file as R's tools::write_PACKAGES writes it, for packages with these DESCRIPTION fields. */
function packagesIndex(packages: Array<{ name: string; fields?: Record<string, string> }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-revdeps-'));
  const contrib = join(dir, 'src', 'contrib');
  mkdirSync(contrib, { recursive: true });
  for (const spec of packages) {
    mkdirSync(join(dir, 'build', spec.name), { recursive: true });
    writeFileSync(join(dir, 'build', spec.name, 'DESCRIPTION'), descriptionText({ name: spec.name, fields: spec.fields }));
    execFileSync('tar', ['-czf', join(contrib, `${spec.name}_0.1.0.tar.gz`), '-C', join(dir, 'build'), spec.name]);
  }
  execFileSync('Rscript', ['-e', `tools::write_PACKAGES("${contrib}", type = "source")`]);
  return readFileSync(join(contrib, 'PACKAGES'), 'utf8');
}

test('dependency fields are read as R writes them: constraints, continuation lines, R itself left out', () => {
  assert.equal(dependencyNames('R (>= 4.1), alpha (>=\n    1.0),\n beta'), ['alpha', 'beta']);
  assert.equal(dependencyNames(undefined), []);
});

test('reverse dependencies come from every index, once each, through Depends, Imports and LinkingTo', () => {
  const farm = packagesIndex([
    { name: 'basepkg' },
    { name: 'usesimports', fields: { Imports: 'basepkg (>= 0.1)' } },
    { name: 'usesdepends', fields: { Depends: 'R (>= 4.0), basepkg' } },
    { name: 'suggestsonly', fields: { Suggests: 'basepkg' } },
    { name: 'unrelated', fields: { Imports: 'basepkgextra' } },
  ]);
  const cran = packagesIndex([
    { name: 'usesimports', fields: { Imports: 'basepkg' } },
    { name: 'linksto', fields: { LinkingTo: 'basepkg' } },
  ]);
  const found = reverseDependencies('basepkg', [
    ['farm', farm],
    ['cran', cran],
  ]);
  assert.equal(
    found.map((dependency) => [dependency.package, dependency.repository, dependency.fields]),
    [
      ['linksto', 'cran', ['LinkingTo']],
      ['usesdepends', 'farm', ['Depends']],
      ['usesimports', 'farm', ['Imports']],
    ],
  );
  assert.equal(
    reverseDependencies('basepkg', [['farm', farm]], ['Suggests']).map((dependency) => dependency.package),
    ['suggestsonly'],
  );
});

const item = (severity: CheckItem['severity'], check: string, text: string): CheckItem => ({ severity, check, text });
const result = (...items: CheckItem[]): CheckResult => ({
  status: items.some((i) => i.severity === 'ERROR') ? 'ERROR' : items.some((i) => i.severity === 'WARNING') ? 'WARNING' : items.length ? 'NOTE' : 'OK',
  errors: items.filter((i) => i.severity === 'ERROR').length,
  warnings: items.filter((i) => i.severity === 'WARNING').length,
  notes: items.filter((i) => i.severity === 'NOTE').length,
  items,
});

test('a new ERROR or WARNING makes a reverse dependency newly broken, with the findings that appeared', () => {
  const before = result(item('NOTE', 'checking R code for possible problems', 'f: no visible binding for x'));
  const after = result(before.items[0], item('ERROR', 'checking examples', "Error in basepkg::gone() : could not find function 'gone'"));
  const diff = diffFindings(before, after);
  assert.is(diff.verdict, 'newly broken');
  assert.equal(
    diff.appeared.map((finding) => finding.check),
    ['checking examples'],
  );
  assert.equal(diff.disappeared, []);
});

test('an ERROR that goes is fixed; a changed NOTE alone is unchanged', () => {
  assert.is(diffFindings(result(item('WARNING', 'checking whether package can be installed', 'warning')), result()).verdict, 'fixed');
  assert.is(diffFindings(result(item('NOTE', 'a', 'one')), result(item('NOTE', 'a', 'two'))).verdict, 'unchanged');
});

test('two runs of the same code compare equal despite temporary paths and timings', () => {
  const run = (tmp: string, seconds: string) => result(item('WARNING', 'checking tests', `Running tests in ${tmp}/Rtmp1/x.R took ${seconds} s`));
  assert.equal(diffFindings(run('/tmp/RtmpA1', '1.2'), run('/tmp/RtmpZ9', '3.4')), { verdict: 'unchanged', appeared: [], disappeared: [] });
});

const pair: RevdepPair = {
  package: 'usesbase',
  version: '1.0',
  repository: 'http://farm/repo',
  fields: ['Imports'],
  publishedJobId: 'a'.repeat(32),
  submittedJobId: 'b'.repeat(32),
  problem: null,
};
const build = (jobId: string, status: BuildRecord['status'], checked: CheckResult | null, reason: string | null = null): BuildRecord => ({
  ...newBuildRecord(jobId, 'linux', '2026-01-01T00:00:00Z'),
  status,
  result: checked,
  reason,
});

test('a pair is pending until both builds finish, and failed (with why) when one finished without a check', () => {
  const done = build(pair.publishedJobId, 'DONE', result());
  assert.is(revdepResult('http://farm', pair, done, build(pair.submittedJobId, 'RUNNING', null)).verdict, 'pending');
  assert.is(revdepResult('http://farm', pair, done, undefined).verdict, 'pending');
  const failed = revdepResult('http://farm', pair, done, build(pair.submittedJobId, 'TIMEOUT', null, 'the check ran longer than 3600 s'));
  assert.equal([failed.verdict, failed.reason], ['failed', 'the check against the submitted version ended TIMEOUT: the check ran longer than 3600 s']);
  assert.is(failed.submitted.url, `http://farm/status/${pair.submittedJobId}`);
  assert.equal(revdepResult('http://farm', { ...pair, problem: 'gone (404)' }, undefined, undefined).reason, 'gone (404)');
});

test("which = 'most' adds the reverse dependencies through Suggests, as tools::package_dependencies(reverse = TRUE, which = 'most') finds them", () => {
  const index = packagesIndex([
    { name: 'basepkg' },
    { name: 'usesimports', fields: { Imports: 'basepkg' } },
    { name: 'suggestsonly', fields: { Suggests: 'basepkg (>= 0.1)' } },
    { name: 'enhancesonly', fields: { Enhances: 'basepkg' } },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-revdeps-r-'));
  writeFileSync(join(dir, 'PACKAGES'), index);
  const fromR = (which: string) =>
    execFileSync(
      'Rscript',
      [
        '-e',
        `db <- read.dcf("${join(dir, 'PACKAGES')}", fields = c("Package", "Version", "Depends", "Imports", "LinkingTo", "Suggests", "Enhances")); cat(sort(tools::package_dependencies("basepkg", db = db, which = "${which}", reverse = TRUE)[[1]]), sep = "\\n")`,
      ],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);
  const ours = (which: keyof typeof REVDEP_SCOPES) =>
    reverseDependencies('basepkg', [['farm', index]], REVDEP_SCOPES[which]).map((dependency) => dependency.package);
  assert.equal(ours('strong'), ['usesimports']);
  assert.equal(ours('strong'), fromR('strong'));
  assert.equal(ours('most'), ['suggestsonly', 'usesimports']);
  assert.equal(ours('most'), fromR('most'));
  const suggests = reverseDependencies('basepkg', [['farm', index]], REVDEP_SCOPES.most).find((dependency) => dependency.package === 'suggestsonly');
  assert.equal([suggests?.fields, suggests?.constraints], [['Suggests'], [{ operator: '>=', version: '0.1' }]]);
});

test('a reverse dependency asking for a newer version than any repository lists is told apart, with what it needs', () => {
  const farm = packagesIndex([{ name: 'basepkg' }]);
  const newest = newestListedVersion('basepkg', [['farm', farm]]);
  assert.is(newest, '0.1.0');
  const revdep = (constraint: string) =>
    reverseDependencies('basepkg', [['x', packagesIndex([{ name: 'user', fields: { Imports: `basepkg ${constraint}` } }])]])[0];
  assert.is(unmetRequirement('basepkg', revdep('(>= 0.1.0)'), newest, '0.2.0'), null);
  assert.equal(unmetRequirement('basepkg', revdep('(>= 0.2.0)'), newest, '0.2.0'), {
    text: 'needs basepkg (>= 0.2.0); the repositories have 0.1.0',
    submittedMeets: true,
  });
  assert.is(unmetRequirement('basepkg', revdep('(>= 1.0)'), newest, '0.2.0')?.submittedMeets, false);
  // Nothing known of the package in any repository: the check says what it finds.
  assert.is(unmetRequirement('basepkg', revdep('(>= 0.2.0)'), null, '0.2.0'), null);
});

test('a pair that needs the new version is checked against it only, and reads "needs new version", never unchanged', () => {
  const needs = { ...pair, needs: 'needs basepkg (>= 0.2.0); the repositories have 0.1.0' };
  assert.equal(revdepResult('http://farm', needs, undefined, undefined).verdict, 'pending');
  const errored = result(item('ERROR', 'checking tests', 'Error: basepkg::fresh() failed'));
  const done = revdepResult('http://farm', needs, undefined, build(pair.submittedJobId, 'DONE', errored));
  assert.equal(
    [done.verdict, done.reason, done.published, done.appeared],
    ['needs new version', 'needs basepkg (>= 0.2.0); the repositories have 0.1.0: checked against the submitted version only (ERROR)', null, errored.items],
  );
  const ok = revdepResult('http://farm', needs, undefined, build(pair.submittedJobId, 'DONE', result()));
  assert.equal(
    [ok.verdict, ok.reason],
    ['needs new version', 'needs basepkg (>= 0.2.0); the repositories have 0.1.0: checked against the submitted version only (OK)'],
  );
});

test.run();
