/** The check's environment and command, decided in one pure function: bare by default, R's own --as-cran. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkEnvironment, describeCheckEnvironment } from '../../images/agent/check-environment.ts';
import { findPlatform } from '../../images/index.ts';

const base = { checkArgs: [], jobEnv: {}, libraryPaths: ['/rfarm/dependencies'], tarball: 'pkg_1.0.tar.gz' };
const SANDBOX = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'R_LIBS_USER', 'R_LIBS'];

test('by default the check gets the sandbox plumbing and nothing a bare R CMD check would not have', () => {
  const check = checkEnvironment(base);
  assert.equal(Object.keys(check.env).sort(), [...SANDBOX].sort());
  assert.is(check.env.NOT_CRAN, undefined);
  assert.is(check.env._R_CHECK_FORCE_SUGGESTS_, undefined);
  assert.is(check.env.R_LIBS, '/job/lib:/rfarm/dependencies');
  assert.equal(check.command, ['R', 'CMD', 'check', '--no-manual', '--install-args=--build', 'pkg_1.0.tar.gz']);
  assert.ok(check.forcesSuggests, "R's default insists on Suggests");
});

test('--as-cran is passed to R as given and leaves NOT_CRAN and the incoming checks to R', () => {
  const check = checkEnvironment({ ...base, checkArgs: ['--as-cran'] });
  assert.equal(check.command.slice(-2), ['--as-cran', 'pkg_1.0.tar.gz']);
  assert.equal(Object.keys(check.env).sort(), [...SANDBOX].sort());
  assert.ok(check.forcesSuggests);
});

test("the platform's settings apply, the job's variables win over them, and each says where it came from", () => {
  const check = checkEnvironment({
    ...base,
    platformEnv: { _R_CHECK_FORCE_SUGGESTS_: 'false', _R_CHECK_LENGTH_1_CONDITION_: 'true' },
    jobEnv: { _R_CHECK_FORCE_SUGGESTS_: 'true', NOT_CRAN: 'true' },
  });
  assert.is(check.env._R_CHECK_FORCE_SUGGESTS_, 'true');
  assert.is(check.sources._R_CHECK_FORCE_SUGGESTS_, 'job');
  assert.is(check.sources._R_CHECK_LENGTH_1_CONDITION_, 'platform');
  assert.is(check.sources.PATH, 'sandbox');
  assert.is(check.env.NOT_CRAN, 'true');
  assert.ok(check.forcesSuggests);
});

test('_R_CHECK_FORCE_SUGGESTS_=false from the platform turns forcing off', () => {
  assert.not.ok(checkEnvironment({ ...base, platformEnv: { _R_CHECK_FORCE_SUGGESTS_: 'FALSE' } }).forcesSuggests);
});

test('the description is a command a person can paste, then what the farm added, then the network', () => {
  const check = checkEnvironment({ ...base, checkArgs: ['--as-cran'], jobEnv: { TZ: 'Europe/Vienna', LANGUAGE: "it's" } });
  const text = describeCheckEnvironment(check, 'none');
  const lines = text.trimEnd().split('\n');
  assert.match(
    lines[0],
    /^>>> rfarm: check command: env -i PATH=\/usr\/local\/bin:\/usr\/bin:\/bin .* TZ=Europe\/Vienna LANGUAGE='it'\\''s' R CMD check --no-manual --install-args=--build --as-cran pkg_1.0.tar.gz$/,
  );
  assert.is(lines[1], ">>> rfarm: check environment: TZ=Europe/Vienna (job), LANGUAGE='it'\\''s' (job)");
  assert.is(lines[2], '>>> rfarm: sandbox plumbing: PATH, HOME, TMPDIR, LANG, R_LIBS_USER, R_LIBS');
  assert.match(lines[3], /^>>> rfarm: network: none \(/);
});

test("a CRAN flavour's catalogue settings reach the check, are printed as the platform's, and Suggests are installed though not forced", () => {
  const platformEnv = findPlatform('r-devel-linux-x86_64-debian-gcc')!.checkEnvironment;
  const check = checkEnvironment({ ...base, platformEnv });
  assert.is(check.env._R_CHECK_CODE_USAGE_WITH_ONLY_BASE_ATTACHED_, 'true');
  assert.is(check.sources._R_CHECK_FORCE_SUGGESTS_, 'platform');
  assert.not.ok(check.forcesSuggests);
  assert.ok(check.installsSuggests, 'CRAN has Suggests installed');
  const text = describeCheckEnvironment(check, 'none');
  assert.match(text, /check command: env -i .* _R_CHECK_FORCE_SUGGESTS_=false .* R CMD check /);
  assert.match(text, /check environment: _R_CHECK_SCREEN_DEVICE_=warn \(platform\), .*_R_CHECK_CODETOOLS_PROFILE_=suppressPartialMatchArgs=false \(platform\)/);
});

test("a submitter's _R_CHECK_FORCE_SUGGESTS_=false skips installing Suggests, even on a CRAN flavour", () => {
  const platformEnv = findPlatform('r-release-linux-x86_64')!.checkEnvironment;
  assert.not.ok(checkEnvironment({ ...base, platformEnv, jobEnv: { _R_CHECK_FORCE_SUGGESTS_: 'false' } }).installsSuggests);
  assert.ok(checkEnvironment(base).installsSuggests);
});

test('the network line says which policy applied', () => {
  assert.match(
    describeCheckEnvironment(checkEnvironment(base), 'egress'),
    /^>>> rfarm: network: egress \(outbound connections only; never the farm's own services or cloud metadata\)$/m,
  );
  assert.match(describeCheckEnvironment(checkEnvironment(base), 'none'), /^>>> rfarm: network: none \(the check cannot reach any host/m);
});

test('a bare check says so', () => {
  assert.match(describeCheckEnvironment(checkEnvironment(base), 'none'), /check environment: nothing beyond a bare R CMD check/);
});

test.run();
