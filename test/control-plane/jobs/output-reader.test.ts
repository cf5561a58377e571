/** Output reads stream the latest attempt chunk by chunk and leave no JetStream consumer behind. */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OUTPUT_STREAM, connectFarm, publishOutput } from '../../../protocol/index.ts';
import { startTestFarm, submit } from '../../support/farm.ts';
import { processMemory } from '../../support/raw-http.ts';
import { packTarball, packages } from '../../support/r-packages.ts';

const MB = 1024 * 1024;
const CHUNK = 32 * 1024;
const farm = await startTestFarm({ workers: 0 });
const pid = farm.controlPlane.child!.pid!;
const nats = await connectFarm({ servers: farm.natsUrl.split(','), credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'output-reader-test' });
const platform = ((await (await fetch(`${farm.url}/platforms`)).json()) as { id: string }[])[0].id;

/** A queued build (no agent runs it) whose output this test publishes as an agent would: a lost attempt 1, then attempt 2. */
async function buildWithOutput(name: string, bytes: number): Promise<{ id: string; sha256: string; length: number }> {
  const submitted = await submit(farm, packTarball(packages.ok(name)), `platform=${platform}`);
  assert.is(submitted.status, 202, JSON.stringify(submitted.body));
  const id = submitted.body.id as string;
  await publishOutput(nats, id, platform, { attempt: 1, text: 'a lost attempt: not shown\n' });
  const hash = createHash('sha256');
  let length = 0;
  for (let index = 0; length < bytes; index++) {
    const text = `${String(index).padStart(8, '0')} ${'x'.repeat(CHUNK - 10)}\n`;
    await publishOutput(nats, id, platform, { attempt: 2, text });
    hash.update(text);
    length += text.length;
  }
  return { id, sha256: hash.digest('hex'), length };
}

/** Reads an output as a stream, keeping only its length and hash (the test holds no 20 MB copies). */
async function readOutput(id: string): Promise<{ status: number; sha256: string; length: number }> {
  const response = await fetch(`${farm.url}/jobs/output/${id}`);
  const hash = createHash('sha256');
  let length = 0;
  for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(part);
    length += part.length;
  }
  return { status: response.status, sha256: hash.digest('hex'), length };
}

async function outputConsumers(): Promise<number> {
  return (await nats.jsm.consumers.list(OUTPUT_STREAM).next()).length;
}

const small = await buildWithOutput('smalloutput', 4 * CHUNK);
const large = await buildWithOutput('largeoutput', 20 * MB);

test.after(async () => {
  await nats.close();
  await farm.cleanup();
});

test('many output GETs leave no consumer on the output stream', async () => {
  for (let round = 0; round < 20; round++) {
    const reads = await Promise.all(Array.from({ length: 10 }, () => readOutput(small.id)));
    for (const read of reads) assert.equal(read, { status: 200, sha256: small.sha256, length: small.length });
  }
  assert.is(await outputConsumers(), 0, 'consumers left after 200 reads');
});

test('a reader that leaves in the middle of a large output leaves no consumer behind', async () => {
  const abort = new AbortController();
  const response = await fetch(`${farm.url}/jobs/output/${large.id}`, { signal: abort.signal });
  const reader = response.body!.getReader();
  await reader.read();
  abort.abort();
  const deadline = Date.now() + 10_000;
  while ((await outputConsumers()) > 0) {
    assert.ok(Date.now() < deadline, 'the consumer of an abandoned read is still there after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

test('followers leave no consumer behind once the output has ended', async () => {
  const followed = await buildWithOutput('followedoutput', 2 * CHUNK);
  await publishOutput(nats, followed.id, platform, { attempt: 2, text: 'the end\n', end: 'DONE' });
  const texts = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${farm.url}/jobs/output/${followed.id}?follow=1`)).text()));
  for (const text of texts)
    assert.ok(text.endsWith('the end\n') && text.length === followed.length + 'a lost attempt: not shown\n'.length + 'the end\n'.length);
  assert.is(await outputConsumers(), 0, 'consumers left after 20 followers');
});

test('20 concurrent reads of a 20 MB output each get all of it, and the control plane does not hold them in memory', async () => {
  const before = processMemory(pid);
  const reads = await Promise.all(Array.from({ length: 20 }, () => readOutput(large.id)));
  const after = processMemory(pid);
  for (const read of reads) assert.equal(read, { status: 200, sha256: large.sha256, length: large.length });
  const grownMb = (after.peak - before.rss) / MB;
  assert.ok(grownMb < 200, `peak resident memory grew by ${grownMb.toFixed(0)} MB for 20 reads of a 20 MB output`);
});

test.run();
