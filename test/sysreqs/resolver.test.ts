import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_RULES_DIR,
  dependencyClosure,
  loadRepositoryIndex,
  loadRuleDatabase,
  parseDescription,
  resolve,
  resolvePlatform,
  splitRequirements,
} from '../../sysreqs/index.ts';
import { FIXTURE_REPOSITORY } from './service-fixture.ts';

const db = loadRuleDatabase(DEFAULT_RULES_DIR);
const debian = resolvePlatform('debian-12');
const describe = (fields: string) => parseDescription(`Package: demo\nVersion: 1.0\n${fields}\n`);

test('SystemRequirements splits at commas outside parentheses', () => {
  assert.equal(
    splitRequirements('GDAL (>= 2.0.1, with GEOS), PROJ; sqlite3').map((item) => item.text),
    ['GDAL (>= 2.0.1, with GEOS)', 'PROJ', 'sqlite3'],
  );
});

test('items marked optional are flagged', () => {
  assert.equal(
    splitRequirements('zlib (optional), libpng').map((item) => item.optional),
    [true, false],
  );
});

test('each matched OS package carries the rule and the text it matched', () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: libxml2 (>= 2.6.3)')]);
  assert.equal(resolution.packages, ['libxml2-dev']);
  assert.equal(resolution.install_scripts, ['apt-get install -y libxml2-dev']);
  const [entry] = resolution.matched;
  assert.is(entry.rule, 'libxml2');
  assert.is(entry.on, 'SystemRequirements');
  assert.is(entry.text, 'libxml2 (>= 2.6.3)');
});

test("a Debian -dev package the text spells out is installed when the archive has it; other systems' names are not read", () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: cmark: libcmark-dev (deb), Fedora: cmark-devel, yaml-devel (rpm)')]);
  assert.equal(resolution.packages, ['libcmark-dev']);
  assert.match(resolution.matched[0].reason, /names the package libcmark-dev, which debian-12 has/);
  assert.equal(
    resolution.unmatched.map((entry) => entry.text),
    ['Fedora: cmark-devel', 'yaml-devel (rpm)'],
  );
});

test('text no rule understands is reported, not skipped', () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: GNU make, a fast pony')]);
  assert.equal(
    resolution.unmatched.map((entry) => entry.text),
    ['a fast pony'],
  );
});

test('a package known by name needs its library without saying so', () => {
  const resolution = resolve(db, debian, [parseDescription('Package: RPostgreSQL\nVersion: 0.7\n')]);
  assert.equal(resolution.packages, ['libpq-dev']);
  assert.is(resolution.matched[0].on, 'package name');
});

test('linking to a package that wraps a library needs the library', () => {
  const resolution = resolve(db, debian, [describe('LinkingTo: Rcpp, Rhtslib')]);
  assert.ok(resolution.packages.includes('libcurl4-openssl-dev'));
  assert.is(resolution.matched.find((entry) => entry.rule === 'libcurl')?.on, 'LinkingTo');
});

test('optional items are reported apart and installed only when asked', () => {
  const record = describe('SystemRequirements: gdal (optional), libxml2');
  assert.equal(resolve(db, debian, [record]).packages, ['libxml2-dev']);
  assert.equal(
    resolve(db, debian, [record]).optional.map((entry) => entry.rule),
    ['gdal'],
  );
  assert.ok(resolve(db, debian, [record], { optional: true }).packages.includes('libgdal-dev'));
});

test('a text mention of what another library already pulls in adds nothing', () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: cairo, freetype2, fontconfig')]);
  assert.equal(resolution.packages, ['libcairo2-dev']);
  assert.is(resolution.matched.find((entry) => entry.rule === 'freetype')?.covered_by, 'cairo');
});

test('pre- and post-install commands come with the packages', () => {
  const resolution = resolve(db, resolvePlatform('rhel-8'), [describe('SystemRequirements: GDAL, Java')]);
  assert.ok(resolution.pre_install.some((command) => /epel-release-latest-8/.test(command)));
  assert.ok(resolution.pre_install.some((command) => /powertools/.test(command)));
  assert.equal(resolution.post_install, ['R CMD javareconf']);
});

test('of "or" alternatives only the first that installs something is answered', () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: Windows or X11')]);
  assert.equal(
    resolution.matched.map((entry) => entry.rule),
    ['x11'],
  );
  assert.ok(resolution.packages.includes('libx11-dev'));
  assert.equal(splitRequirements('ProtoBuf 3.3.0 or later')[0].alternatives, ['ProtoBuf 3.3.0 or later']);
});

test('a sentence fires rules on its requirement phrase, not on the words of its prose', () => {
  const item = 'cmake (>= 3.2.0) which is used only on Linux or macOS systems when no system build of nlopt (>= 2.7.0) can be found';
  assert.equal(splitRequirements(item)[0].alternatives, ['cmake (>= 3.2.0)']);
  assert.equal(
    resolve(db, debian, [describe(`SystemRequirements: ${item}`)]).matched.map((entry) => entry.rule),
    ['cmake'],
  );
});

test('a sentence saying what the package itself uses is read for what it uses', () => {
  const record = parseDescription(
    'Package: gitty\nVersion: 1.0\nSystemRequirements: By default, gitty uses a system installation of the libgit2 headers and library.\n',
  );
  assert.equal(resolve(db, debian, [record]).packages, ['libgit2-dev']);
  assert.equal(resolve(db, debian, [describe('SystemRequirements: someone else uses libgit2 daily')]).packages, []);
});

test('a distribution package spelled out inside prose is a requirement', () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: On Debian/Ubuntu these can be installed as libprotoc-dev')]);
  assert.equal(
    resolution.matched.map((entry) => entry.rule),
    ['protoc-library'],
  );
});

test('what is needed only for vignettes, tests or at run time is optional', () => {
  const resolution = resolve(db, debian, [describe('SystemRequirements: pandoc (>= 1.14, needed for vignettes), libpng if available, GDAL')]);
  assert.equal(resolution.packages, ['libgdal-dev']);
  assert.equal(resolution.optional.map((entry) => entry.rule).sort(), ['libpng', 'pandoc']);
});

test('what another answer already brings is not installed again, however it was found', () => {
  const record = { ...describe('SystemRequirements: cairo'), buildFiles: { configure: 'PKG_CONFIG_NAME="freetype2"\n' } };
  const resolution = resolve(db, debian, [record]);
  assert.equal(resolution.packages, ['libcairo2-dev']);
  assert.is(resolution.matched.find((entry) => entry.rule === 'freetype')?.covered_by, 'cairo');
});

test('recursive resolution adds the needs of hard dependencies from the index', async () => {
  const index = await loadRepositoryIndex(FIXTURE_REPOSITORY);
  const { records, missing } = dependencyClosure([parseDescription('Package: demo\nImports: sf\n')], index);
  const resolution = resolve(db, debian, records);
  for (const name of ['libgdal-dev', 'libudunits2-dev', 'libgeos-dev', 'libproj-dev']) assert.ok(resolution.packages.includes(name), name);
  // With the Depends closure (SYSREQS_CONTENTS_INDEX=…,closure): on Debian 12 libgdal-dev depends on libgeos-dev
  // and libproj-dev, which are then reported covered, not listed again.
  const closed = resolve(db, debian, records, { contentsIndex: { words: true, includes: true, closure: true } });
  for (const rule of ['geos', 'proj']) assert.is(closed.matched.find((entry) => entry.rule === rule)?.covered_by, 'debian-12:libgdal-dev', rule);
  assert.not.ok(closed.packages.includes('libgeos-dev'));
  assert.equal(missing, []);
});

test('Suggests are followed for the root only when asked, and missing hard dependencies are reported', async () => {
  const index = await loadRepositoryIndex(FIXTURE_REPOSITORY);
  const root = parseDescription('Package: demo\nImports: nothere\nSuggests: rJava\n');
  const plain = dependencyClosure([root], index);
  assert.equal(
    plain.missing.map((entry) => entry.text),
    ['nothere'],
  );
  assert.not.ok(plain.records.some((record) => record.name === 'rJava'));
  assert.ok(dependencyClosure([root], index, { suggests: true }).records.some((record) => record.name === 'rJava'));
});

test.run();
