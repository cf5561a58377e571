/**
 * E-mail at the end of a job, through a real SMTP server on loopback: the result and the status
 * URL arrive once, even when the job ends while the control plane is down; a farm without SMTP
 * refuses an address (400) and its upload page does not offer the field.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { platformOfHost } from '../../images/index.ts';
import { readHostFacts } from '../../images/agent/host-facts.ts';
import { connectFarm, isTerminal, keys, readRecord, type BuildRecord } from '../../protocol/index.ts';
import { startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';
import { startSmtpSink } from '../rhub/smtp-sink.ts';

const sink = await startSmtpSink();
// No worker at first, so the job waits: this host's platform is the default it waits for.
const hostPlatform = platformOfHost(await readHostFacts()).id;
const farm = await startTestFarm({
  workers: 0,
  controlPlaneEnv: { FARM_SMTP_URL: sink.url, FARM_MAIL_FROM: 'rfarm <farm@example.org>', FARM_DEFAULT_PLATFORMS: hostPlatform },
});
const mailless = await startTestFarm({ workers: 0 });
test.after(async () => {
  await Promise.all([farm.cleanup(), mailless.cleanup()]);
  await sink.close();
});

/** Waits on the records in NATS itself: the control plane may be down. */
async function waitUntilFinished(jobId: string, platform: string, timeoutMs = 240_000): Promise<BuildRecord> {
  const connection = await connectFarm({
    servers: farm.natsUrl.split(','),
    credsFile: farm.natsAuth.controlPlaneCreds,
    replicas: 1,
    name: 'notification-test',
  });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const build = await readRecord<BuildRecord>(connection.jobs, keys.build(jobId, platform));
      if (build && isTerminal(build.value.status)) return build.value;
      if (Date.now() > deadline) throw new Error(`build ${jobId}/${platform} not finished: ${build?.value.status}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  } finally {
    await connection.close();
  }
}

test('a job that ends while the control plane is down is mailed once, with its result and status URL', async () => {
  const { status, body } = await submit(farm, packTarball(packages.warning()), 'email=author%40example.org');
  assert.is(status, 202, JSON.stringify(body));
  const platform = body.builds[0].platform;
  // The control plane dies with the job queued; the job runs and ends without it.
  await farm.controlPlane.stop('SIGKILL');
  farm.addAgent();
  const build = await waitUntilFinished(body.id, platform);
  assert.is(build.result?.status, 'WARNING', JSON.stringify(build));
  assert.is(sink.messages.length, 0, 'nobody was there to send it yet');
  await farm.restartControlPlane();
  const mail = await sink.next('author@example.org', 30_000);
  assert.match(mail.raw, /^Subject: rfarm: warnpkg 0\.1\.0 WARNING$/m);
  assert.match(mail.text, /warnpkg 0\.1\.0: WARNING/);
  assert.match(mail.text, new RegExp(`${platform}: WARNING \\(0 errors, 1 warnings, 0 notes\\)`));
  assert.match(mail.text, new RegExp(`${farm.url}/status/${body.id}`));
  // Another restart replays every record: the notice record keeps it at one mail.
  await farm.restartControlPlane();
  await new Promise((done) => setTimeout(done, 3_000));
  assert.is(sink.messages.filter((message) => message.to.includes('author@example.org')).length, 1);
});

test('rfarm submit --email: the address reaches the job and the result is mailed to it', async () => {
  const tarball = join(mkdtempSync(join(tmpdir(), 'rfarm-mail-cli-')), 'okpkg_0.1.0.tar.gz');
  writeFileSync(tarball, packTarball(packages.ok()));
  const rfarm = fileURLToPath(new URL('../../cli/rfarm.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [rfarm, 'submit', tarball, '--email', 'cli@example.org', '--server', farm.url, '--json']);
  const { id } = JSON.parse(stdout) as { id: string };
  const info = (await (await fetch(`${farm.url}/jobs/info/${id}`)).json()) as { email: string | null };
  assert.is(info.email, 'cli@example.org');
  const mail = await sink.next('cli@example.org', 240_000);
  assert.match(mail.raw, /^Subject: rfarm: okpkg 0\.1\.0 OK$/m);
  assert.match(mail.text, new RegExp(`${farm.url}/status/${id}`));
});

test('a job without an address sends no mail', async () => {
  const { body } = await submit(farm, packTarball(packages.ok('quietpkg')));
  await waitForJob(farm, body.id);
  await new Promise((done) => setTimeout(done, 2_000));
  assert.not.ok(sink.messages.some((message) => message.text.includes('quietpkg')));
});

test('a farm without SMTP refuses an e-mail address with a 400 that says why, and changes nothing', async () => {
  const { status, body } = await submit(mailless, packTarball(packages.ok()), 'email=author%40example.org');
  assert.is(status, 400);
  assert.is(body.error.code, 'mail_not_configured');
  assert.match(body.error.message, /FARM_SMTP_URL/);
});

test('the upload page offers the e-mail field only on a farm that can send mail', async () => {
  const withMail = await (await fetch(`${farm.url}/`, { headers: { accept: 'text/html' } })).text();
  const without = await (await fetch(`${mailless.url}/`, { headers: { accept: 'text/html' } })).text();
  assert.match(withMail, /id="email"/);
  assert.not.match(without, /id="email"/);
  assert.match(without, /id="as-cran"/);
  assert.match(without, /id="env-vars"/);
});

test.run();
