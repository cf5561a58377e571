/** GitHub's source archives (real `git archive` output) become package uploads the farm accepts. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageUploadFromGitHubArchive, SourceArchiveError } from '../../control-plane/github/source-archive.ts';
import { FarmError } from '../../control-plane/errors.ts';
import { inspectPackageArchive } from '../../control-plane/uploads/index.ts';
import { descriptionText, documentedHello } from '../support/r-packages.ts';

const LIMITS = { maxCompressedBytes: 10_000_000, maxUnpackedBytes: 50_000_000, maxRatio: 200, maxEntries: 1_000, maxDescriptionBytes: 65_536 };

/** A git repository with `files` (and symlinks), archived as GitHub serves it. */
function gitArchive(files: Record<string, string>, links: Record<string, string> = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-archive-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  for (const [path, target] of Object.entries(links)) symlinkSync(target, join(dir, path));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'x');
  const sha = git('rev-parse', 'HEAD').toString().trim();
  return git('archive', '--format=tar.gz', `--prefix=octo-mypkg-${sha.slice(0, 7)}/`, sha);
}

test("the top folder is renamed to the package, and the upload passes the farm's checks as not yet built", async () => {
  const archive = gitArchive({
    DESCRIPTION: descriptionText({ name: 'mypkg', version: '1.2.3' }),
    ...documentedHello,
    '.github/workflows/x.yml': 'on: push\n',
  });
  const upload = await packageUploadFromGitHubArchive(archive, LIMITS);
  const inspected = await inspectPackageArchive(upload, LIMITS);
  assert.is(inspected.packageName, 'mypkg');
  assert.is(inspected.version, '1.2.3');
  assert.is(inspected.prebuilt, false);
  const listing = execFileSync('tar', ['-tz'], { input: upload }).toString().split('\n').filter(Boolean);
  assert.ok(listing.includes('mypkg/R/hello.R'), listing.join(' '));
  assert.ok(
    listing.every((name) => name.startsWith('mypkg/')),
    listing.join(' '),
  );
});

test('a repository without DESCRIPTION at its top is not a package the farm checks', async () => {
  const archive = gitArchive({ 'pkg/DESCRIPTION': descriptionText({ name: 'mypkg' }), 'README.md': '# hi\n' });
  try {
    await packageUploadFromGitHubArchive(archive, LIMITS);
    assert.unreachable('accepted');
  } catch (error) {
    assert.instance(error, SourceArchiveError);
    assert.match((error as Error).message, 'no DESCRIPTION file at its top');
  }
});

test('a symbolic link in the repository is passed on and refused by the upload checks', async () => {
  const archive = gitArchive({ DESCRIPTION: descriptionText({ name: 'mypkg' }), ...documentedHello }, { 'R/link.R': '/etc/passwd' });
  const upload = await packageUploadFromGitHubArchive(archive, LIMITS);
  try {
    await inspectPackageArchive(upload, LIMITS);
    assert.unreachable('accepted');
  } catch (error) {
    assert.instance(error, FarmError);
    assert.is((error as FarmError).code, 'unsafe_archive_entry');
  }
});

test('an archive with more entries than the limit is refused while reading it', async () => {
  const files: Record<string, string> = { DESCRIPTION: descriptionText({ name: 'mypkg' }) };
  for (let index = 0; index < 30; index++) files[`inst/f${index}.txt`] = 'x';
  try {
    await packageUploadFromGitHubArchive(gitArchive(files), { ...LIMITS, maxEntries: 10 });
    assert.unreachable('accepted');
  } catch (error) {
    assert.instance(error, SourceArchiveError);
    assert.match((error as Error).message, 'more than 10 files and folders');
  }
});

test.run();
