/**
 * Two attempts of one build finishing at the same moment (the queue gave the build to a second
 * agent while the first could not renew its claim, and both ran to the end): whichever attempt the
 * build record names, the files it lists are that attempt's — the bytes stored under them match the
 * SHA-256 in the record. Real nats-server, real records, the agent's own finishing code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { finishAttempt } from '../../../images/agent/build-finisher.ts';
import { artifactOf } from '../../../images/agent/build-artifacts.ts';
import { OutputPublisher } from '../../../images/agent/output-publisher.ts';
import {
  artifactObjectName,
  connectFarm,
  encode,
  keys,
  newBuildRecord,
  readRecord,
  type BuildRecord,
  type JobRecord,
  type WorkerInfo,
} from '../../../protocol/index.ts';
import { startNats } from '../../../scripts/nats-server.ts';

const PLATFORM = 'r-patched-linux-x86_64-debian-12-gcc';
const dir = mkdtempSync(join(tmpdir(), 'rfarm-attempts-'));
const [nats] = await startNats(join(dir, 'nats'));
const farm = await connectFarm({ servers: [nats.url], replicas: 1, name: 'attempt-artifacts-test' });

test.after(async () => {
  await farm.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const worker = (id: string): WorkerInfo => ({ id, host: 'test', pid: 1, platform: PLATFORM, rVersion: 'R 4.2.2', distribution: 'debian 12', compiler: 'gcc' });

async function runningBuild(jobId: string): Promise<JobRecord> {
  const now = new Date().toISOString();
  const job = {
    id: jobId,
    package: 'pkg',
    version: '1.0',
    platforms: [PLATFORM],
    email: null,
    checkArgs: [],
    env: {},
    submittedAt: now,
    uploadSize: 1,
    publish: false,
    prebuilt: true,
    description: 'Package: pkg\nVersion: 1.0\n',
    cancelledAt: null,
  } as JobRecord;
  await farm.jobs.create(keys.job(jobId), encode(job));
  const build: BuildRecord = { ...newBuildRecord(jobId, PLATFORM, now), status: 'RUNNING', attempt: 2, startedAt: now };
  await farm.jobs.create(keys.build(jobId, PLATFORM), encode(build));
  return job;
}

/** One attempt's end, with a 00check.log and a package that say which attempt made them. */
function finish(job: JobRecord, attempt: number) {
  const log = join(dir, `${job.id}-${attempt}.log`);
  writeFileSync(log, `output of attempt ${attempt}\n`);
  const started = new Date().toISOString();
  const build: BuildRecord = {
    ...newBuildRecord(job.id, PLATFORM, started),
    status: 'RUNNING',
    attempt,
    worker: worker(`agent-${attempt}`),
    startedAt: started,
  };
  return finishAttempt({
    farm,
    job,
    platform: PLATFORM,
    build,
    outcome: {
      kind: 'checked',
      result: { status: 'OK', notes: 0, warnings: 0, errors: 0, items: [] },
      artifacts: [
        artifactOf('00check.log', Buffer.from(`* checked by attempt ${attempt}\nStatus: OK\n`)),
        artifactOf('pkg_1.0.tar.gz', Buffer.alloc(300_000 + attempt, attempt)),
      ],
    },
    output: new OutputPublisher(farm, job.id, PLATFORM, attempt, join(dir, `${job.id}-${attempt}.copy`)),
    outputLog: log,
    lastAttempt: false,
    cancelledByUser: false,
    agentStopping: false,
  });
}

test('the files a finished build lists are those of the attempt it names, when two attempts finish at once', async () => {
  const mismatches: string[] = [];
  for (let round = 0; round < 12; round++) {
    const job = await runningBuild(`attempts${String(round).padStart(24, '0')}`);
    await Promise.all([finish(job, 1), finish(job, 2)]);
    const record = (await readRecord<BuildRecord>(farm.jobs, keys.build(job.id, PLATFORM)))!.value;
    assert.is(record.status, 'DONE');
    for (const artifact of record.artifacts) {
      const bytes = await farm.artifacts.getBlob(artifactObjectName(job.id, PLATFORM, artifact));
      const sha256 = createHash('sha256')
        .update(bytes ?? new Uint8Array())
        .digest('hex');
      if (artifact.name === 'output.log') continue;
      if (sha256 !== artifact.sha256) mismatches.push(`round ${round}: ${artifact.name} of attempt ${record.attempt} holds another attempt's bytes`);
    }
  }
  assert.equal(mismatches, []);
});

test.run();
