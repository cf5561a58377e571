/** Where files go in the farm's repository, and which request paths it answers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binaryPlace, readRepositoryPath, sourcePlace } from '../../control-plane/repository/index.ts';
import { isBinaryArtifact } from '../../control-plane/repository/repository-layout.ts';

const linux = { os: 'linux', arch: 'x86_64', distribution: { name: 'debian', release: '12' }, rVersion: 'R 4.2.2' } as const;

test('a source package goes into src/contrib under its CRAN file name', () => {
  assert.equal(sourcePlace('data.table', '1.14.8'), { tree: 'src/contrib', path: 'src/contrib/data.table_1.14.8.tar.gz', type: 'source' });
});

test('a Linux binary goes into a repository of its own per distribution, architecture and R minor version', () => {
  assert.equal(binaryPlace('cpkg', '0.1.0', linux), {
    tree: '__linux__/debian-12-x86_64/4.2/src/contrib',
    path: '__linux__/debian-12-x86_64/4.2/src/contrib/cpkg_0.1.0.tar.gz',
    type: 'source',
  });
  assert.is(
    binaryPlace('cpkg', '0.1.0', { ...linux, distribution: { name: 'ubuntu', release: '24.04' }, arch: 'arm64' })?.tree,
    '__linux__/ubuntu-24.04-arm64/4.2/src/contrib',
  );
});

test('Windows and macOS binaries go where R for those systems looks', () => {
  assert.is(binaryPlace('cpkg', '1.0', { ...linux, os: 'windows', rVersion: '4.5.2' })?.path, 'bin/windows/contrib/4.5/cpkg_1.0.zip');
  assert.is(binaryPlace('cpkg', '1.0', { ...linux, os: 'macos', arch: 'arm64', rVersion: '4.5.2' })?.path, 'bin/macosx/big-sur-arm64/contrib/4.5/cpkg_1.0.tgz');
  assert.is(binaryPlace('cpkg', '1.0', { ...linux, os: 'macos', rVersion: '4.4.1' })?.path, 'bin/macosx/big-sur-x86_64/contrib/4.4/cpkg_1.0.tgz');
  assert.is(binaryPlace('cpkg', '1.0', { ...linux, os: 'macos', rVersion: '4.2.3' })?.path, 'bin/macosx/contrib/4.2/cpkg_1.0.tgz');
  assert.is(binaryPlace('cpkg', '1.0', { ...linux, os: 'macos', rVersion: '4.2.3' })?.type, 'mac.binary');
});

test('Solaris builds publish no binary', () => {
  assert.is(binaryPlace('cpkg', '1.0', { ...linux, os: 'solaris' }), null);
});

test("R CMD INSTALL --build's output is recognised as the package's binary, other files are not", () => {
  assert.ok(isBinaryArtifact('cpkg_0.1.0_R_x86_64-pc-linux-gnu.tar.gz', 'cpkg', '0.1.0'));
  assert.ok(isBinaryArtifact('cpkg_0.1.0.zip', 'cpkg', '0.1.0'));
  assert.not.ok(isBinaryArtifact('cpkg_0.1.0.tar.gz', 'cpkg', '0.1.0'));
  assert.not.ok(isBinaryArtifact('other_0.1.0_R_x86_64-pc-linux-gnu.tar.gz', 'cpkg', '0.1.0'));
});

test('request paths: indices of known trees, package files, and nothing else', () => {
  assert.equal(readRepositoryPath('src/contrib/PACKAGES.rds'), { kind: 'index', tree: 'src/contrib', name: 'PACKAGES.rds' });
  assert.equal(readRepositoryPath('__linux__/debian-12-x86_64/4.2/src/contrib/PACKAGES.gz'), {
    kind: 'index',
    tree: '__linux__/debian-12-x86_64/4.2/src/contrib',
    name: 'PACKAGES.gz',
  });
  assert.equal(readRepositoryPath('bin/windows/contrib/4.5/cpkg_1.0.zip'), { kind: 'file', path: 'bin/windows/contrib/4.5/cpkg_1.0.zip' });
  for (const bad of ['src/contrib/../x', 'src//contrib/PACKAGES', 'etc/passwd', 'src/contrib', 'src/contrib/a b.tar.gz', 'bin/windows/contrib/x/PACKAGES']) {
    assert.is(readRepositoryPath(bad).kind, 'invalid', bad);
  }
});

test.run();
