/**
 * Retention on a real nats-server with short ages (control-plane/retention/): finished jobs lose
 * their artifacts, uploads and at last their records on schedule; a job that has not finished
 * keeps everything; the repository's published packages are never swept; JetStream drops console
 * output older than its setting by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPOSITORY_BUCKET } from '../../../protocol/index.ts';
import { Objm } from '@nats-io/obj';
import { finishedAt, retentionSettings, sweepRetention, type RetentionSettings } from '../../../control-plane/retention/index.ts';
import {
  connectFarm,
  encode,
  keys,
  newBuildRecord,
  ARTIFACTS_BUCKET,
  objectNames,
  OUTPUT_STREAM,
  writeObjectByName,
  subjects,
  type BuildRecord,
  type BuildStatus,
} from '../../../protocol/index.ts';
import { startNats } from '../../../scripts/nats-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-retention-'));
const [nats] = await startNats(dir);
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'retention-test' });
const LINUX = 'r-release-linux-x86_64';
const WINDOWS = 'r-release-windows-x86_64';
const HOUR = 3_600_000;
const settings: RetentionSettings = { uploadsMs: 2 * HOUR, artifactsMs: 1 * HOUR, outputMs: 1_500, recordsMs: 10 * HOUR, sweepEveryMs: 60_000 };

test.after(async () => {
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function job(id: string, statuses: Record<string, BuildStatus>, finishedAt: Date): Promise<void> {
  const platforms = Object.keys(statuses);
  await farm.jobs.put(keys.job(id), encode({ id, package: 'pkg', version: '1.0', platforms, submittedAt: finishedAt.toISOString() }));
  for (const platform of platforms) {
    const build: BuildRecord = {
      ...newBuildRecord(id, platform, finishedAt.toISOString()),
      status: statuses[platform],
      finishedAt: statuses[platform] === 'RUNNING' ? null : finishedAt.toISOString(),
    };
    await farm.jobs.put(keys.build(id, platform), encode(build));
  }
  await farm.uploads.putBlob({ name: objectNames.upload(id) }, encode('upload'));
  for (const platform of platforms) await farm.artifacts.putBlob({ name: objectNames.artifact(id, platform, '00check.log') }, encode('log'));
}

/** What both object stores hold, uploads (their own store) and artifacts. */
const objectNamesNow = async () =>
  [...(await farm.uploads.list()), ...(await farm.artifacts.list())]
    .filter((info) => !info.deleted)
    .map((info) => info.name)
    .sort();
const has = async (key: string) => {
  const entry = await farm.jobs.get(key);
  return entry !== null && entry.operation === 'PUT';
};

test('a finished job keeps its files until their ages pass: artifacts first, then the upload, then its records', async () => {
  const finished = new Date();
  await job('done-1', { [LINUX]: 'DONE', [WINDOWS]: 'FAILED' }, finished);
  assert.equal(
    (await farm.uploads.list()).map((info) => info.name),
    [objectNames.upload('done-1')],
    'the upload is in the uploads store, apart from the artifacts',
  );
  const at = (hours: number) => finished.getTime() + hours * HOUR;
  assert.equal(await sweepRetention(farm, settings, at(0.5)), { uploads: 0, artifacts: 0, jobs: 0, orphanChunks: 0, outputAgeChanged: true });
  assert.equal(
    await objectNamesNow(),
    [objectNames.artifact('done-1', LINUX, '00check.log'), objectNames.artifact('done-1', WINDOWS, '00check.log'), objectNames.upload('done-1')].sort(),
  );
  assert.equal(await sweepRetention(farm, settings, at(1.5)), { uploads: 0, artifacts: 2, jobs: 0, orphanChunks: 0, outputAgeChanged: false });
  assert.equal(await objectNamesNow(), [objectNames.upload('done-1')]);
  assert.equal(await sweepRetention(farm, settings, at(3)), { uploads: 1, artifacts: 0, jobs: 0, orphanChunks: 0, outputAgeChanged: false });
  assert.ok(await has(keys.job('done-1')), 'the record outlives its files');
  assert.equal(await sweepRetention(farm, settings, at(11)), { uploads: 0, artifacts: 0, jobs: 1, orphanChunks: 0, outputAgeChanged: false });
  assert.not.ok(await has(keys.job('done-1')));
  assert.not.ok(await has(keys.build('done-1', LINUX)));
  assert.not.ok(await has(keys.build('done-1', WINDOWS)));
});

test('a job with a build still running keeps its upload, artifacts and records however old', async () => {
  const long = new Date(Date.now() - 1000 * HOUR);
  await job('running-1', { [LINUX]: 'DONE', [WINDOWS]: 'RUNNING' }, long);
  const report = await sweepRetention(farm, settings);
  assert.equal([report.uploads, report.artifacts, report.jobs], [0, 0, 0]);
  assert.ok((await objectNamesNow()).includes(objectNames.upload('running-1')));
  assert.ok(await has(keys.build('running-1', WINDOWS)));
});

test('an upload of no job is kept while its submission is being written, and swept once old without one', async () => {
  await farm.uploads.putBlob({ name: objectNames.upload('orphan-1') }, encode('upload'));
  await farm.uploads.putBlob({ name: objectNames.upload('submitting-1') }, encode('upload'));
  await farm.jobs.put(keys.submission('submitting-1'), encode({ jobId: 'submitting-1' }));
  assert.is((await sweepRetention(farm, settings, Date.now() + 0.5 * HOUR)).uploads, 0, 'young orphans stay');
  assert.is((await sweepRetention(farm, settings, Date.now() + 3 * HOUR)).uploads, 1);
  const names = await objectNamesNow();
  assert.not.ok(names.includes(objectNames.upload('orphan-1')));
  assert.ok(names.includes(objectNames.upload('submitting-1')));
});

test("chunks no object names (a put the store refused part-way, a replaced object's written without purging) go once an hour old; live objects' stay", async () => {
  // What a refused put leaves: chunks, and no metadata.
  await farm.js.publish(`$O.${ARTIFACTS_BUCKET}.C.refusedput`, encode('a chunk'));
  // An agent replacing an artifact: its write cannot purge the first version's chunks.
  const name = objectNames.artifact('replaced-1', LINUX, '00check.log');
  await writeObjectByName(farm.js, ARTIFACTS_BUCKET, name, Buffer.from('first'));
  await writeObjectByName(farm.js, ARTIFACTS_BUCKET, name, Buffer.from('second'));
  const chunkSubjects = async () =>
    Object.keys((await farm.jsm.streams.info(`OBJ_${ARTIFACTS_BUCKET}`, { subjects_filter: `$O.${ARTIFACTS_BUCKET}.C.>` })).state.subjects ?? {});
  const before = await chunkSubjects();
  assert.ok(before.includes(`$O.${ARTIFACTS_BUCKET}.C.refusedput`));
  assert.is((await sweepRetention(farm, settings)).orphanChunks, 0, 'young orphans stay: a put may still be writing them');
  const report = await sweepRetention(farm, settings, Date.now() + 1.5 * HOUR);
  assert.is(report.orphanChunks, 2);
  const after = await chunkSubjects();
  assert.is(after.length, before.length - 2);
  assert.not.ok(after.includes(`$O.${ARTIFACTS_BUCKET}.C.refusedput`));
  assert.is(new TextDecoder().decode((await farm.artifacts.getBlob(name))!), 'second', 'the live version is whole');
});

test('the repository’s published packages are never swept', async () => {
  const repository = await new Objm(farm.js).create(REPOSITORY_BUCKET);
  await repository.putBlob({ name: 'src/contrib/pkg_1.0.tar.gz' }, encode('published'));
  await sweepRetention(farm, settings, Date.now() + 100_000 * HOUR);
  assert.ok(await repository.info('src/contrib/pkg_1.0.tar.gz'));
});

test('JetStream drops console output older than its setting by itself', async () => {
  const info = await farm.jsm.streams.info(OUTPUT_STREAM);
  assert.is(info.config.max_age, settings.outputMs * 1_000_000);
  await farm.js.publish(subjects.output('any-job', LINUX), encode('a line'));
  assert.is((await farm.jsm.streams.info(OUTPUT_STREAM)).state.messages, 1);
  const deadline = Date.now() + 10_000;
  while ((await farm.jsm.streams.info(OUTPUT_STREAM)).state.messages > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250));
  assert.is((await farm.jsm.streams.info(OUTPUT_STREAM)).state.messages, 0, 'output outlived its max_age');
});

test('a finished build without an end time counts from the submission, never from 1970', () => {
  const submitted = '2026-01-01T00:00:00.000Z';
  const cancelled = { ...newBuildRecord('j', LINUX, submitted), status: 'CANCELLED' as const };
  assert.is(finishedAt([cancelled], submitted), Date.parse(submitted));
  assert.is(finishedAt([cancelled, { ...cancelled, status: 'QUEUED' as const }], submitted), null);
});

test('the settings come from the environment in days, and bad values are reported with how to fix them', () => {
  const problems: string[] = [];
  const read = retentionSettings({ FARM_RETAIN_UPLOADS_DAYS: '0.5', FARM_RETAIN_RECORDS_DAYS: '-1', FARM_RETENTION_SWEEP_MINUTES: 'soon' }, problems);
  assert.is(read.uploadsMs, 12 * HOUR);
  assert.is(read.artifactsMs, 90 * 24 * HOUR);
  assert.equal(problems, [
    'FARM_RETAIN_RECORDS_DAYS=-1 must be a number > 0 (fractions allowed, e.g. 0.5)',
    'FARM_RETENTION_SWEEP_MINUTES=soon must be a number > 0 (fractions allowed, e.g. 0.5)',
  ]);
});

test.run();
