import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FarmError, type ErrorCode } from '../../../control-plane/errors.ts';
import { inspectPackageArchive, type ArchiveLimits } from '../../../control-plane/uploads/index.ts';
import { ONE_SHOT_INFLATE_BYTES } from '../../../r-metadata/index.ts';
import { goodDescription, makeTar, makeTarGz, packageEntries, seededRandom, testLimits, type EntrySpec } from './tarballs.ts';

/** Asserts that inspecting `data` fails with a FarmError of `code`, and returns it. */
async function refused(data: Buffer | Promise<Buffer>, code: ErrorCode, limits: Partial<ArchiveLimits> = {}): Promise<FarmError> {
  let archive;
  try {
    archive = await inspectPackageArchive(await data, { ...testLimits, ...limits });
  } catch (error) {
    assert.instance(error, FarmError);
    assert.is((error as FarmError).code, code, (error as FarmError).message);
    return error as FarmError;
  }
  throw new Error(`expected ${code}, but the archive was accepted as ${archive.packageName}`);
}

const withDescription = (text: string | Buffer, folder = 'demo') => makeTarGz(packageEntries(text, folder));

test('accepts a well-formed package and reports its name, version and size', async () => {
  const archive = await inspectPackageArchive(await withDescription(goodDescription), testLimits);
  assert.is(archive.packageName, 'demo');
  assert.is(archive.version, '0.1.0');
  assert.is(archive.prebuilt, false);
  assert.is(archive.entries, 5);
  assert.is(archive.description, goodDescription);
  assert.is(archive.fields.License, 'MIT + file LICENSE');
  assert.ok(archive.unpackedBytes >= 5 * 512);
});

test('marks a package with a Packaged field as built by R CMD build', async () => {
  const text = `${goodDescription}Packaged: 2024-05-01 10:00:00 UTC; ada\n`;
  const archive = await inspectPackageArchive(await withDescription(text), testLimits);
  assert.is(archive.prebuilt, true);
});

test('joins continuation lines to their field', async () => {
  const text = 'Package: demo\nVersion: 1.0-2\nImports:\n    stats,\n\tutils\nDescription: First line\n  second line.\n';
  const archive = await inspectPackageArchive(await withDescription(text), testLimits);
  assert.is(archive.fields.Imports, 'stats,\nutils');
  assert.is(archive.fields.Description, 'First line\nsecond line.');
  assert.is(archive.version, '1.0-2');
});

test('converts a DESCRIPTION declared latin1 to UTF-8', async () => {
  const bytes = Buffer.from('Package: demo\nVersion: 1.0\nEncoding: latin1\nAuthor: Fran\u00e7ois M\u00fcller\n', 'latin1');
  const archive = await inspectPackageArchive(await withDescription(bytes), testLimits);
  assert.is(archive.fields.Author, 'Fran\u00e7ois M\u00fcller');
  assert.ok(archive.description.includes('Fran\u00e7ois'));
});

test('accepts CRLF line endings and a leading ./ on entry names', async () => {
  const entries = packageEntries('Package: demo\r\nVersion: 1.0\r\n').map((entry) => ({ ...entry, name: `./${entry.name}` }));
  const archive = await inspectPackageArchive(await makeTarGz([{ name: './', type: 'directory' }, ...entries]), testLimits);
  assert.is(archive.packageName, 'demo');
  assert.is(archive.version, '1.0');
});

test('accepts a tarball made by the tar command, with pax headers and a global header', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-upload-'));
  try {
    mkdirSync(join(dir, 'demo', 'R'), { recursive: true });
    writeFileSync(join(dir, 'demo', 'DESCRIPTION'), goodDescription);
    writeFileSync(join(dir, 'demo', 'R', 'hello.R'), 'hello <- function() "hello"\n');
    execFileSync('tar', ['--format=pax', '--pax-option=comment=rfarm', '-czf', join(dir, 'demo_0.1.0.tar.gz'), '-C', dir, 'demo']);
    const archive = await inspectPackageArchive(readFileSync(join(dir, 'demo_0.1.0.tar.gz')), testLimits);
    assert.is(archive.packageName, 'demo');
    assert.is(archive.entries, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inspects a 1 MB package in a few milliseconds', async () => {
  const random = seededRandom(7);
  const data = Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(random() * 256)));
  const files = Array.from({ length: 16 }, (_, i): EntrySpec => ({ name: `demo/inst/extdata/part${i}.bin`, body: data }));
  const upload = await makeTarGz([...packageEntries(), ...files]);
  await inspectPackageArchive(upload, testLimits);
  const started = performance.now();
  for (let i = 0; i < 10; i++) await inspectPackageArchive(upload, testLimits);
  const each = (performance.now() - started) / 10;
  assert.ok(each < 30, `took ${each.toFixed(1)} ms per archive`);
});

// Framing and size.

test('refuses an upload that is not gzip', async () => {
  const error = await refused(makeTar(packageEntries()), 'not_gzip');
  assert.match(error.message, /R CMD build/);
});

test('refuses truncated gzip data', async () => {
  const upload = await withDescription(goodDescription);
  const error = await refused(upload.subarray(0, upload.length - 40), 'not_tar');
  assert.match(error.message, /truncated or corrupt/);
});

test('refuses gzip data that is not a tar archive', async () => {
  const error = await refused(gzipSync(Buffer.from('Package: demo\nVersion: 1.0\n'.repeat(50))), 'not_tar');
  assert.match(error.message, /not a valid tar archive/);
});

test('refuses an empty archive', async () => {
  const error = await refused(makeTarGz([]), 'no_package_directory');
  assert.match(error.message, /holds no files/);
});

test('refuses an upload over the compressed size limit', async () => {
  const error = await refused(withDescription(goodDescription), 'upload_too_large', { maxCompressedBytes: 100 });
  assert.match(error.message, /limit of 100 bytes/);
});

test('refuses an archive that unpacks to more than the size limit', async () => {
  const entries = [...packageEntries(), { name: 'demo/data/big.bin', body: Buffer.alloc(3 * 1024 * 1024, 1) }];
  const error = await refused(makeTarGz(entries), 'archive_too_large', { maxUnpackedBytes: 2 * 1024 * 1024, maxRatio: 1e9 });
  assert.match(error.message, /limit of 2097152 bytes/);
});

test('counts tar padding towards the size limit, not just declared file sizes', async () => {
  const padded = Buffer.concat([await makeTar(packageEntries()), Buffer.alloc(4 * 1024 * 1024)]);
  const error = await refused(gzipSync(padded), 'archive_too_large', { maxUnpackedBytes: 2 * 1024 * 1024, maxRatio: 1e9 });
  assert.match(error.message, /limit of 2097152 bytes/);
});

test('stops unpacking a decompression bomb as soon as the ratio trips', async () => {
  const entries = [...packageEntries(), { name: 'demo/data/zeros.bin', body: Buffer.alloc(64 * 1024 * 1024) }];
  const error = await refused(makeTarGz(entries), 'archive_too_large');
  assert.match(error.message, /expands more than 200 times/);
  // It stops within one gunzip chunk (64 KiB) of crossing 200 times the upload, far short of 64 MB.
  const [, unpacked, compressed] = /\((\d+) bytes from (\d+) compressed/.exec(error.message)!.map(Number);
  assert.ok(unpacked! <= 200 * compressed! + 64 * 1024, `unpacked ${unpacked} bytes from ${compressed} before stopping`);
});

test('stops a bomb small enough to inflate in one go as soon as the ratio trips, too', async () => {
  // 6 MB of zeros packs to about 6 KB: over 200 times, yet under the one-shot inflate size.
  const entries = [...packageEntries(), { name: 'demo/data/zeros.bin', body: Buffer.alloc(6 * 1024 * 1024) }];
  const upload = await makeTarGz(entries);
  assert.ok(6 * 1024 * 1024 < ONE_SHOT_INFLATE_BYTES && 6 * 1024 * 1024 > 200 * upload.length, `${upload.length} compressed bytes`);
  const error = await refused(upload, 'archive_too_large');
  assert.match(error.message, /expands more than 200 times/);
  const [, unpacked, compressed] = /\((\d+) bytes from (\d+) compressed/.exec(error.message)!.map(Number);
  assert.ok(unpacked! <= 200 * compressed! + 64 * 1024, `unpacked ${unpacked} bytes from ${compressed} before stopping`);
});

test('accepts a package that unpacks to more than the one-shot inflate size, walking it as a stream', async () => {
  const size = ONE_SHOT_INFLATE_BYTES + 1024 * 1024;
  const entries = [...packageEntries(), { name: 'demo/inst/extdata/big.txt', body: Buffer.alloc(size, 'R source package\n') }];
  const archive = await inspectPackageArchive(await makeTarGz(entries), { ...testLimits, maxRatio: 1e9 });
  assert.is(archive.packageName, 'demo');
  assert.ok(archive.unpackedBytes > size, `${archive.unpackedBytes} bytes unpacked`);
});

test('refuses an archive with more entries than the limit', async () => {
  const error = await refused(withDescription(goodDescription), 'archive_too_large', { maxEntries: 3 });
  assert.match(error.message, /limit of 3 files and folders/);
});

// Entries.

const unsafeEntries: ReadonlyArray<[string, EntrySpec, RegExp]> = [
  ["a '..' path segment", { name: 'demo/../../etc/passwd', body: 'x' }, /'\.\.' segment/],
  ['an absolute path', { name: '/etc/cron.d/evil', body: 'x' }, /absolute/],
  ['a backslash', { name: 'demo\\..\\evil', body: 'x' }, /backslash/],
  ['a NUL byte in a pax path', { name: 'demo/evil', pax: { path: 'demo/evil\u0000.R' }, body: 'x' }, /NUL/],
  ['a control character', { name: 'demo/evil\nname.R', body: 'x' }, /control character/],
  ['a symlink', { name: 'demo/link', type: 'symlink', linkname: '/etc/passwd' }, /symbolic link/],
  ['a hard link', { name: 'demo/link', type: 'link', linkname: 'demo/DESCRIPTION' }, /hard link/],
  ['a character device', { name: 'demo/tty', type: 'character-device', devmajor: 5, devminor: 0 }, /character device/],
  ['a block device', { name: 'demo/sda', type: 'block-device', devmajor: 8, devminor: 0 }, /block device/],
  ['a fifo', { name: 'demo/pipe', type: 'fifo' }, /fifo/],
  ['a contiguous file', { name: 'demo/contiguous', type: 'contiguous-file', body: 'x' }, /contiguous file/],
  ['a file named .', { name: '.', body: 'x' }, /not a file path/],
  ['a second copy of a file', { name: 'demo/NAMESPACE', body: 'export(evil)\n' }, /twice/],
];

for (const [what, entry, why] of unsafeEntries) {
  test(`refuses an entry with ${what}`, async () => {
    const error = await refused(makeTarGz([...packageEntries(), entry]), 'unsafe_archive_entry');
    assert.match(error.message, why);
    assert.match(error.message, /only plain files and directories/);
  });
}

test('refuses a file outside the package folder', async () => {
  const error = await refused(makeTarGz([...packageEntries(), { name: 'README.md', body: 'hi' }]), 'no_package_directory');
  assert.match(error.message, /'README\.md' lies outside the package folder/);
});

test('refuses two top-level folders', async () => {
  const error = await refused(makeTarGz([...packageEntries(), ...packageEntries(goodDescription, 'other')]), 'no_package_directory');
  assert.match(error.message, /more than one top-level entry \('demo' and 'other'\)/);
});

test('refuses a package folder without DESCRIPTION', async () => {
  const entries = packageEntries().filter((entry) => !entry.name.endsWith('DESCRIPTION'));
  const error = await refused(makeTarGz(entries), 'no_package_directory');
  assert.match(error.message, /no 'demo\/DESCRIPTION' file/);
});

test('refuses a folder whose name differs from the Package field', async () => {
  const error = await refused(withDescription(goodDescription, 'demo2'), 'no_package_directory');
  assert.match(error.message, /top-level folder is 'demo2' but DESCRIPTION names the package 'demo'/);
});

// DESCRIPTION.

test('refuses a DESCRIPTION line that is neither a field nor a continuation, naming the line', async () => {
  const error = await refused(withDescription('Package: demo\nVersion: 1.0\nthis is not a field\n'), 'invalid_description');
  assert.match(error.message, /line 3 is neither a 'Field: value' line/);
});

test('refuses a blank line inside DESCRIPTION', async () => {
  const error = await refused(withDescription('Package: demo\n\nVersion: 1.0\n'), 'invalid_description');
  assert.match(error.message, /line 2 is blank/);
});

test('refuses a DESCRIPTION without Package or Version', async () => {
  assert.match((await refused(withDescription('Version: 1.0\n'), 'invalid_description')).message, /Package field is missing/);
  assert.match((await refused(withDescription('Package: demo\n'), 'invalid_description')).message, /Version field is missing/);
});

test('refuses an invalid package name', async () => {
  const error = await refused(withDescription('Package: 1demo\nVersion: 1.0\n', '1demo'), 'invalid_package_name');
  assert.match(error.message, /'1demo' is not a valid R package name: use letters/);
});

test('refuses an invalid version', async () => {
  const error = await refused(withDescription('Package: demo\nVersion: 1.0.beta\n'), 'invalid_package_version');
  assert.match(error.message, /e\.g\. 1\.0\.2/);
  await refused(withDescription('Package: demo\nVersion: 1\n'), 'invalid_package_version');
});

test('refuses a DESCRIPTION that is not UTF-8 and does not declare latin1', async () => {
  const bytes = Buffer.from('Package: demo\nVersion: 1.0\nAuthor: Fran\u00e7ois\n', 'latin1');
  const error = await refused(withDescription(bytes), 'invalid_description');
  assert.match(error.message, /not valid UTF-8; declare Encoding: latin1 or re-save it as UTF-8/);
});

test('refuses a DESCRIPTION larger than its limit without reading it', async () => {
  const text = `Package: demo\nVersion: 1.0\nDescription: ${'x'.repeat(100 * 1024)}\n`;
  const error = await refused(withDescription(text), 'invalid_description');
  assert.match(error.message, /limit of 65536/);
});

test('refuses a DESCRIPTION that is a folder', async () => {
  const entries = [
    { name: 'demo/', type: 'directory' as const },
    { name: 'demo/DESCRIPTION/', type: 'directory' as const },
  ];
  const error = await refused(makeTarGz(entries), 'invalid_description');
  assert.match(error.message, /is a folder, not a file/);
});

// Fuzz: hostile bytes must only ever be refused with a FarmError, and promptly.

test('answers 300 random and damaged uploads with a result or a FarmError, never hanging', async () => {
  const random = seededRandom(20240501);
  const pick = (n: number) => Math.floor(random() * n);
  const tarBytes = await makeTar(packageEntries());
  const upload = gzipSync(tarBytes);
  const flip = (bytes: Buffer, count: number) => {
    const copy = Buffer.from(bytes);
    for (let i = 0; i < count; i++) copy[pick(copy.length)] = pick(256);
    return copy;
  };
  const makers: Array<() => Buffer> = [
    () => Buffer.from(Array.from({ length: pick(4096) }, () => pick(256))),
    () => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from(Array.from({ length: pick(2048) }, () => pick(256)))]),
    () => upload.subarray(0, pick(upload.length)),
    () => flip(upload, 1 + pick(4)),
    () => gzipSync(flip(tarBytes, 1 + pick(8))),
    () => gzipSync(tarBytes.subarray(0, pick(tarBytes.length))),
  ];
  const outcomes = { accepted: 0, refused: 0 };
  for (let i = 0; i < 300; i++) {
    const data = makers[i % makers.length]!();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`case ${i} did not settle within 2 s`)), 2000);
    });
    try {
      await Promise.race([inspectPackageArchive(data, testLimits), hang]);
      outcomes.accepted += 1;
    } catch (error) {
      assert.ok(error instanceof FarmError, `case ${i} threw ${String(error)}`);
      outcomes.refused += 1;
    } finally {
      clearTimeout(timer);
    }
  }
  assert.is(outcomes.accepted + outcomes.refused, 300);
  assert.ok(outcomes.refused > 200, JSON.stringify(outcomes));
});

test.run();
