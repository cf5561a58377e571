import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { Ajv } from 'ajv';
import { test } from 'uvu';
import { testUnless } from '../support/skip.ts';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { BENCH_DIR } from './dev-set.ts';
import {
  DEFAULT_RULES_DIR,
  RULE_SCHEMA,
  SYSREQS_PLATFORMS,
  buildRuleDatabase,
  loadRuleDatabase,
  recipeFor,
  resolvePlatform,
  ruleFiles,
} from '../../sysreqs/index.ts';

const NAMES_FILE = BENCH_DIR && join(BENCH_DIR, 'debian12-package-names.txt.gz');
const files = ruleFiles(DEFAULT_RULES_DIR);
const db = loadRuleDatabase(DEFAULT_RULES_DIR);

test('every rule file validates against the JSON Schema', () => {
  const validate = new Ajv({ allErrors: true }).compile(RULE_SCHEMA);
  assert.ok(files.length >= 60, `expected at least 60 rule files, found ${files.length}`);
  for (const file of files) {
    const valid = validate(parseYaml(readFileSync(file, 'utf8')));
    assert.ok(valid, `${basename(file)}: ${JSON.stringify(validate.errors)}`);
  }
});

test('a rule file that breaks the schema is rejected with its file name', () => {
  assert.throws(
    () => buildRuleDatabase([{ file: 'bad.yaml', document: { name: 'bad', description: 'a bad rule', patterns: [], install: {} } }]),
    /bad\.yaml.*patterns/,
  );
  assert.throws(
    () => buildRuleDatabase([{ file: 'other.yaml', document: { name: 'bad', description: 'a bad rule', patterns: ['x('], install: {} } }]),
    /differs from the file name|does not compile/,
  );
});

test('a package-name entry without its evidence line is rejected', () => {
  const rule = { name: 'bad', description: 'a bad rule', patterns: ['bad'], install: { deb: ['bad-dev'] } };
  assert.throws(() => buildRuleDatabase([{ file: 'bad.yaml', document: { ...rule, packages: { foo: 'links bad' } } }]), /bad\.yaml.*packages\/foo/);
  assert.throws(
    () => buildRuleDatabase([{ file: 'bad.yaml', document: { ...rule, packages: { foo: { why: 'links bad', evidence: 'trust me', read_from: 'memory' } } } }]),
    /evidence/,
  );
  const good = { why: 'links bad', evidence: 'configure: PKG_LIBS="-lbad"', read_from: 'github.com/cran/foo 1.0' };
  assert.is(buildRuleDatabase([{ file: 'bad.yaml', document: { ...rule, packages: { foo: good } } }]).byPackage.get('foo')?.length, 1);
});

test('every rule says what to do on every platform', () => {
  for (const rule of db.rules) {
    for (const platform of SYSREQS_PLATFORMS) {
      assert.ok(recipeFor(rule, platform), `rule ${rule.name} has no recipe for ${platform.id}`);
    }
  }
});

test('the common requirements of CRAN packages all have rules', () => {
  const needed = [
    'cxx-compiler',
    'gnu-make',
    'cmake',
    'java',
    'pandoc',
    'python',
    'rust',
    'openssl',
    'libcurl',
    'libxml2',
    'gdal',
    'geos',
    'proj',
    'hdf5',
    'netcdf',
    'gsl',
    'gmp',
    'mpfr',
    'magick-plus-plus',
    'poppler-cpp',
    'tesseract',
    'v8',
    'odbc',
    'libpq',
    'mysql-client',
    'x11',
    'cairo',
    'fontconfig',
    'freetype',
  ];
  for (const name of needed) assert.ok(db.byName.has(name), `no rule '${name}'`);
});

const namesAbsent =
  NAMES_FILE && existsSync(NAMES_FILE)
    ? undefined
    : 'the bookworm package list (shared/sysreqs-bench, or SYSREQS_BENCH_DIR) is absent (a fresh clone has none)';

testUnless(namesAbsent, 'every package name the rules give for Debian 12 exists in bookworm', () => {
  const names = new Set(
    gunzipSync(readFileSync(NAMES_FILE as string))
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim()),
  );
  const platform = resolvePlatform('debian-12');
  const missing = db.rules.flatMap((rule) =>
    (recipeFor(rule, platform)?.packages ?? []).filter((name) => !names.has(name)).map((name) => `${rule.name}: ${name}`),
  );
  assert.equal(missing, []);
});

const onBookworm =
  existsSync('/etc/os-release') && /VERSION_CODENAME=bookworm/.test(readFileSync('/etc/os-release', 'utf8')) && existsSync('/usr/bin/apt-cache');
testUnless(
  onBookworm ? undefined : 'this host is not Debian 12 with apt-cache, so implies cannot be checked against bookworm',
  "every 'implies' holds on Debian 12: the implying rule's packages depend on the implied rule's",
  () => {
    const debian12 = resolvePlatform('debian-12');
    const closure = (name: string): string[] => {
      const out = execFileSync(
        'apt-cache',
        ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', name],
        { encoding: 'utf8' },
      );
      return out.split('\n').flatMap((line) => (line.startsWith(' ') ? (/Depends: <?([^>\s]+)>?/.exec(line)?.[1] ?? []) : line.trim() ? [line.trim()] : []));
    };
    // A virtual name (libfontconfig1-dev) is brought when a package that provides it is.
    const providers = (name: string): string[] => {
      const out = execFileSync('apt-cache', ['showpkg', name], { encoding: 'utf8' });
      return (out.split('Reverse Provides:')[1] ?? '')
        .split('\n')
        .map((line) => line.trim().split(' ')[0])
        .filter(Boolean);
    };
    const broken: string[] = [];
    for (const rule of db.rules.filter((candidate) => candidate.implies.length > 0)) {
      const brought = new Set((recipeFor(rule, debian12)?.packages ?? []).flatMap((name) => [...closure(name)]));
      for (const implied of rule.implies) {
        const missing = (recipeFor(db.byName.get(implied)!, debian12)?.packages ?? []).filter(
          (name) => !brought.has(name) && !providers(name).some((provider) => brought.has(provider)),
        );
        if (missing.length) broken.push(`${rule.name} implies ${implied}, but its packages do not bring ${missing.join(' ')}`);
      }
    }
    assert.equal(broken, []);
  },
);

test.run();
