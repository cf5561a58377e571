/**
 * Accepted reverse-dependency work is never lost: a run accepted by one control plane that died
 * before preparing it is prepared by the next one (a real nats-server; a file:// CRAN-like
 * repository indexed by R's tools::write_PACKAGES), and preparing a run again submits nothing twice.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, decode, encode, keys, REVDEPS_BUCKET, type JobRecord } from '../../protocol/index.ts';
import { JobService } from '../../control-plane/jobs/job-service.ts';
import { pairJobId, RevdepChecks, type RevdepRun } from '../../control-plane/revdeps/index.ts';
import { loadConfig } from '../../control-plane/config.ts';
import { inspectPackageArchive, uploadLimits } from '../../control-plane/uploads/index.ts';
import { startNats } from '../../scripts/nats-server.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';

const dir = mkdtempSync(join(tmpdir(), 'rfarm-revdep-recovery-'));
const [nats] = await startNats(join(dir, 'nats'));
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'revdep-recovery-test' });
const limits = uploadLimits(loadConfig({}));
const log = pino({ level: 'silent' });

test.after(async () => {
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A CRAN-like repository on disk, indexed by R, holding these packages (version 0.1.0). */
function fileRepository(name: string, specs: Array<{ name: string; fields: Record<string, string> }>): string {
  const contrib = join(dir, name, 'src', 'contrib');
  mkdirSync(contrib, { recursive: true });
  for (const spec of specs) {
    writeFileSync(join(contrib, `${spec.name}_0.1.0.tar.gz`), packTarball({ name: spec.name, fields: spec.fields, files: documentedHello }));
  }
  execFileSync('Rscript', ['-e', `tools::write_PACKAGES("${contrib}", type = "source")`]);
  return pathToFileURL(join(dir, name)).href;
}

/** `usesbase` imports `basepkg`, `other` does not. */
const repository = fileRepository('repo', [
  { name: 'usesbase', fields: { Imports: 'basepkg (>= 0.1)' } },
  { name: 'other', fields: {} },
]);
const jobs = new JobService(farm);
const revdepsOf = (repositories = [repository]) =>
  new RevdepChecks({ farm, replicas: 1, jobs, readFarmRepository: async () => null, repositories, publicUrl: 'http://farm.test', limits, log });

async function waitForRun(jobId: string, state: RevdepRun['state']): Promise<RevdepRun> {
  const kv = await new Kvm(farm.js).open(REVDEPS_BUCKET);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const entry = await kv.get(`run.${jobId}`);
    const run = entry?.value.length ? decode<RevdepRun>(entry.value) : null;
    if (run?.state === state) return run;
    if (Date.now() > deadline) throw new Error(`run ${jobId} not ${state}: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a run accepted by a control plane that died before preparing it is prepared by the next one', async () => {
  const data = packTarball({ name: 'basepkg', version: '0.2.0', files: documentedHello });
  const archive = await inspectPackageArchive(data, limits);
  const id = JobService.newId();
  // The first control plane records the run and the job, then dies: it never starts its runner.
  await revdepsOf().accept(id, 'basepkg', '0.2.0', 'linux-test');
  await jobs.submit({ archive, data, platforms: ['linux-test'], email: null, checkArgs: [], env: {}, publish: false, revdeps: { platform: 'linux-test' } }, id);

  const next = revdepsOf();
  await next.start();
  try {
    const run = await waitForRun(id, 'checking');
    assert.equal(run.repositories, ['http://farm.test/repo', repository]);
    assert.equal(
      run.pairs.map((pair) => [pair.package, pair.publishedJobId, pair.submittedJobId]),
      [['usesbase', pairJobId(id, 'usesbase', 'published'), pairJobId(id, 'usesbase', 'submitted')]],
    );
    const published = await jobs.get(run.pairs[0].publishedJobId);
    const submitted = await jobs.get(run.pairs[0].submittedJobId);
    assert.is(published.job.package, 'usesbase');
    assert.is(published.job.against, undefined);
    assert.equal(submitted.job.against, { jobId: id, package: 'basepkg', version: '0.2.0' });
    assert.equal([published.builds[0].platform, published.builds[0].status], ['linux-test', 'QUEUED']);

    const summary = await next.summary(await jobs.get(id));
    assert.is(summary.complete, false);
    assert.is(summary.revdeps?.state, 'checking');
    assert.equal(
      summary.revdeps?.packages.map((result) => [result.package, result.verdict]),
      [['usesbase', 'pending']],
    );

    // Prepared again (as after a crash mid-way): the same jobs, none submitted twice.
    const kv = await new Kvm(farm.js).open(REVDEPS_BUCKET);
    const before = (await farm.jobs.get(keys.job(run.pairs[0].publishedJobId)))!.revision;
    await kv.put(`run.${id}`, encode({ ...run, state: 'received', claimedAt: null }));
    const again = await waitForRun(id, 'checking');
    assert.equal(
      again.pairs.map((pair) => pair.publishedJobId),
      run.pairs.map((pair) => pair.publishedJobId),
    );
    assert.is((await farm.jobs.get(keys.job(run.pairs[0].publishedJobId)))!.revision, before);
    assert.is(decode<JobRecord>((await farm.jobs.get(keys.job(id)))!.value).revdeps?.platform, 'linux-test');
  } finally {
    next.stop();
  }
});

test("which = 'most' checks Suggests too; one needing the submitted version gets only that check; one no version can satisfy gets none", async () => {
  // basepkg 0.1.0 is published; 0.2.0 is submitted.
  const extended = fileRepository('repo-extended', [
    { name: 'basepkg', fields: {} },
    { name: 'suggestsbase', fields: { Suggests: 'basepkg' } },
    { name: 'needsnew', fields: { Imports: 'basepkg (>= 0.2.0)' } },
    { name: 'needsfuture', fields: { Depends: 'basepkg (>= 9.0)' } },
  ]);
  const data = packTarball({ name: 'basepkg', version: '0.2.0', files: documentedHello });
  const archive = await inspectPackageArchive(data, limits);
  const id = JobService.newId();
  const checks = revdepsOf([extended]);
  await checks.accept(id, 'basepkg', '0.2.0', 'linux-other', 'most');
  await jobs.submit(
    { archive, data, platforms: ['linux-test'], email: null, checkArgs: [], env: {}, publish: false, revdeps: { platform: 'linux-other' } },
    id,
  );
  await checks.start();
  try {
    const run = await waitForRun(id, 'checking');
    const pairs = Object.fromEntries(run.pairs.map((pair) => [pair.package, pair]));
    assert.equal(Object.keys(pairs), ['needsfuture', 'needsnew', 'suggestsbase']);
    assert.equal(pairs.suggestsbase.fields, ['Suggests']);
    assert.is(pairs.needsnew.needs, 'needs basepkg (>= 0.2.0); the repositories have 0.1.0');
    assert.match(
      pairs.needsfuture.problem ?? '',
      /^needs basepkg \(>= 9\.0\); the repositories have 0\.1\.0, and the submitted 0\.2\.0 does not meet it either/,
    );

    const exists = (jobId: string) =>
      jobs.get(jobId).then(
        () => true,
        () => false,
      );
    assert.equal(await Promise.all([pairs.suggestsbase.publishedJobId, pairs.suggestsbase.submittedJobId].map(exists)), [true, true]);
    assert.equal(
      await Promise.all([pairs.needsnew.publishedJobId, pairs.needsnew.submittedJobId].map(exists)),
      [false, true],
      'only the check against the submitted version',
    );
    assert.equal(await Promise.all([pairs.needsfuture.publishedJobId, pairs.needsfuture.submittedJobId].map(exists)), [false, false]);
    // The pairs are checked on the platform asked for, not the job's.
    assert.is((await jobs.get(pairs.needsnew.submittedJobId)).builds[0].platform, 'linux-other');

    const summary = await checks.summary(await jobs.get(id));
    assert.is(summary.revdeps?.which, 'most');
    assert.is(summary.revdeps?.platform, 'linux-other');
    const verdicts = Object.fromEntries((summary.revdeps?.packages ?? []).map((result) => [result.package, [result.verdict, result.published === null]]));
    assert.equal(verdicts, { needsfuture: ['failed', false], needsnew: ['pending', true], suggestsbase: ['pending', false] });
  } finally {
    checks.stop();
  }
});

test.run();
