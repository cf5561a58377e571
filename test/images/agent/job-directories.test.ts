/**
 * The sweep of job directories, on real directories: what dead agents left goes, what a live build
 * owns stays, and no symbolic link is ever followed. Then with real processes: an agent killed
 * mid-build leaves its job directory, and the next agent on the host removes it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobDirectories } from '../../../images/agent/job-directories.ts';
import { jobInfo, output, startTestFarm, submit, waitForJob } from '../../support/farm.ts';
import { packTarball, packages } from '../../support/r-packages.ts';

const STALE_MS = 60_000;

function aged(path: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
}

test('files of dead agents go; a live build, a fresh lease of another agent and unrelated files stay; links are not followed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-sweep-'));
  const outside = mkdtempSync(join(tmpdir(), 'rfarm-sweep-outside-'));
  try {
    writeFileSync(join(outside, 'precious'), 'keep me');
    const mine = new JobDirectories(dataDir, 'worker-b', STALE_MS);
    await mine.prepare();
    const other = new JobDirectories(dataDir, 'worker-a', STALE_MS);
    // worker-a, long dead: its lease is stale; the build left a link to outside and a closed directory.
    other.claim('job1-p-1');
    mkdirSync(join(mine.jobDir('job1-p-1'), 'deep/closed'), { recursive: true });
    symlinkSync(outside, join(mine.jobDir('job1-p-1'), 'link-to-outside'));
    symlinkSync(join(outside, 'precious'), join(mine.jobDir('job1-p-1'), 'deep/closed/link-to-file'));
    chmodSync(join(mine.jobDir('job1-p-1'), 'deep'), 0o000);
    mkdirSync(`${mine.jobDir('job1-p-1')}-binary`);
    writeFileSync(mine.outputLog('job1-p-1'), 'console');
    aged(join(dataDir, 'job-leases', 'job1-p-1'), STALE_MS * 2);
    // A link placed where a job directory would be, pointing outside, with no lease and old.
    symlinkSync(outside, mine.jobDir('job9-p-1'));
    // worker-a's other build, running now (its lease renewed a moment ago).
    other.claim('job2-p-1');
    mkdirSync(mine.jobDir('job2-p-1'));
    // An earlier life of worker-b (same worker id, another pid): gone at once, however fresh.
    writeFileSync(join(dataDir, 'job-leases', 'job3-p-2'), JSON.stringify({ worker: 'worker-b', pid: 1 }));
    mkdirSync(mine.jobDir('job3-p-2'));
    // worker-b's own running build.
    mine.claim('job4-p-1');
    mkdirSync(mine.jobDir('job4-p-1'));

    const removed = await mine.sweep(new Set(['job4-p-1']));
    assert.equal(removed.sort(), ['job1-p-1', 'job3-p-2']);
    assert.equal(readdirSync(join(dataDir, 'builds')).sort(), ['job2-p-1', 'job4-p-1', 'job9-p-1']);
    assert.equal(readdirSync(join(dataDir, 'output-logs')), []);
    assert.equal(readdirSync(outside), ['precious']);

    // The link with no lease goes once it is old; what it points to stays.
    const later = new JobDirectories(dataDir, 'worker-b', 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await later.sweep(new Set(['job4-p-1']));
    assert.equal(readdirSync(join(dataDir, 'builds')), ['job4-p-1']);
    assert.ok(existsSync(join(outside, 'precious')));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('an agent killed mid-build leaves its job directory; the next agent on the host sweeps it', async () => {
  const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_ACK_WAIT_SECONDS: '3', FARM_JOB_DIR_STALE_SECONDS: '5', FARM_JOB_DIR_SWEEP_SECONDS: '2' } });
  try {
    const { body } = await submit(farm, packTarball(packages.slow(25, 'sweepme')));
    const builds = join(farm.options.dataDir, 'builds');
    for (
      const deadline = Date.now() + 90_000;
      !(await output(farm, body.id)).includes('Running ‘slow.R’');
      await new Promise((resolve) => setTimeout(resolve, 300))
    ) {
      if (Date.now() > deadline) throw new Error('the slow test did not start');
    }
    const left = readdirSync(builds);
    assert.equal(left, [`${body.id}-${(await jobInfo(farm, body.id)).builds[0].platform}-1`]);
    farm.agents[0].child!.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    assert.ok(readdirSync(builds).includes(left[0]), 'a killed agent cannot clean up after itself');
    farm.addAgent();
    for (const deadline = Date.now() + 30_000; readdirSync(builds).includes(left[0]); await new Promise((resolve) => setTimeout(resolve, 300))) {
      if (Date.now() > deadline) throw new Error(`${left[0]} is still there`);
    }
    // The build itself is redelivered and finishes; its new directory was never swept from under it.
    const info = await waitForJob(farm, body.id, 240_000);
    assert.is(info.builds[0].status, 'DONE', JSON.stringify(info.builds[0]));
    // The agent removes a job directory right after storing its result.
    for (const deadline = Date.now() + 10_000; readdirSync(builds).length > 0 && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(readdirSync(builds), []);
  } finally {
    await farm.cleanup();
  }
});

test.run();
