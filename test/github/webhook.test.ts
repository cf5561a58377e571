/**
 * The farm as a GitHub App, end to end: signed webhook deliveries to a real farm (real NATS, real
 * agents, real R), GitHub played by a loopback stand-in that checks the App's JWT and tokens.
 * Deliveries are signed with @octokit/webhooks-methods, an implementation other than the farm's.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { sign } from '@octokit/webhooks-methods';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectFarm, GITHUB_BUCKET, keys, readRecord, type JobRecord } from '../../protocol/index.ts';
import { startTestFarm } from '../support/farm.ts';
import { descriptionText, documentedHello } from '../support/r-packages.ts';
import { until as pollUntil } from '../support/until.ts';
import { GitHubStandIn, type StandInCheckRun } from './github-stand-in.ts';
import { pullRequestPayload, pushPayload } from './payloads.ts';

const APP_ID = 4242;
const INSTALLATION = 77;
const SECRET = 'webhook-secret-5f1c0e9a7b3d';
const FARM_SECRET = 'do-not-leak-2b7e151628aed2a6';
const OWNER = 'octo-lab';
const REPO = 'hellopkg';

// GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY").
const keyPair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const keyFile = join(mkdtempSync(join(tmpdir(), 'rfarm-app-key-')), 'app.pem');
writeFileSync(keyFile, keyPair.privateKey, { mode: 0o600 });
const github = new GitHubStandIn(APP_ID, keyPair.publicKey, { [`${OWNER}/${REPO}`]: INSTALLATION });
await github.start();
const farm = await startTestFarm({
  controlPlaneEnv: {
    FARM_GITHUB_APP_ID: String(APP_ID),
    FARM_GITHUB_WEBHOOK_SECRET: SECRET,
    FARM_GITHUB_PRIVATE_KEY_FILE: keyFile,
    FARM_GITHUB_API_URL: github.url,
    FARM_GITHUB_SECRET_ENV_RFARM_CI_TOKEN: FARM_SECRET,
  },
});
const nats = await connectFarm({ servers: [farm.natsUrl], credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'github-test' });
test.after(async () => {
  await nats.close();
  await farm.cleanup();
  await github.stop();
});

const RBUILDIGNORE = '^\\.rfarm\\.yml$\n';
function packageFiles(version: string, extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = { DESCRIPTION: descriptionText({ name: REPO, version }), '.Rbuildignore': RBUILDIGNORE, ...documentedHello, ...extra };
  return files;
}

async function deliver(
  event: string,
  payload: unknown,
  options: { deliveryId?: string; secret?: string; body?: string } = {},
): Promise<{ status: number; body: any; deliveryId: string }> {
  const body = options.body ?? JSON.stringify(payload);
  const deliveryId = options.deliveryId ?? randomUUID();
  const response = await fetch(`${farm.url}/github/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-github-hook-installation-target-type': 'integration',
      'x-hub-signature-256': await sign(options.secret ?? SECRET, body),
    },
    body,
  });
  return { status: response.status, body: await response.json(), deliveryId };
}

/** Waits for what GitHub's stand-in sees; a timeout says which check runs it has. */
const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 180_000) =>
  pollUntil(what, probe, timeoutMs, { detail: () => `check runs: ${JSON.stringify(github.checkRuns.map((run) => run.fields))}` });

const completed = (sha: string) => () => {
  const runs = github.checkRunsFor(sha);
  return runs.length > 0 && runs.every((run) => run.fields.status === 'completed') ? runs : undefined;
};

async function jobOf(run: StandInCheckRun): Promise<JobRecord> {
  const id = /\/status\/([0-9a-f]{32})$/.exec(run.fields.details_url)?.[1];
  assert.ok(id, `details_url ${run.fields.details_url} is a status URL`);
  return (await readRecord<JobRecord>(nats.jobs, keys.job(id!)))!.value;
}

async function runRecorded(deliveryId: string): Promise<boolean> {
  const bucket = await new Kvm(nats.js).open(GITHUB_BUCKET);
  return (await bucket.get(`run.${deliveryId}`)) !== null;
}

test('a delivery with a wrong or missing signature is refused with 401 and starts nothing', async () => {
  const sha = github.commit(OWNER, REPO, packageFiles('0.1.0'));
  const before = github.requests.length;
  const wrong = await deliver('push', pushPayload(OWNER, REPO, INSTALLATION, sha), { secret: 'not-the-secret-at-all' });
  assert.is(wrong.status, 401);
  assert.is(wrong.body.error.code, 'webhook_signature_invalid');
  // A body changed after signing is refused too.
  const signedBody = JSON.stringify(pushPayload(OWNER, REPO, INSTALLATION, sha));
  const tampered = await fetch(`${farm.url}/github/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(SECRET, signedBody),
    },
    body: signedBody.replace(REPO, 'otherpkg'),
  });
  assert.is(tampered.status, 401);
  const unsigned = await fetch(`${farm.url}/github/webhook`, {
    method: 'POST',
    headers: { 'x-github-event': 'push', 'x-github-delivery': randomUUID() },
    body: signedBody,
  });
  assert.is(unsigned.status, 401);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  assert.not.ok(await runRecorded(wrong.deliveryId), 'no run was recorded');
  assert.is(github.requests.length, before, 'the farm did not call GitHub');
  assert.is(github.checkRunsFor(sha).length, 0);
});

let pushed: { sha: string; deliveryId: string; body: string } | null = null;

test('a push is checked: a check run per platform in progress, then completed with the verdict, findings and status URL', async () => {
  const sha = github.commit(OWNER, REPO, packageFiles('0.2.0', { '.rfarm.yml': 'env:\n  _R_CHECK_RD_XREFS_: "false"\n' }));
  const payload = pushPayload(OWNER, REPO, INSTALLATION, sha);
  const body = JSON.stringify(payload);
  const delivery = await deliver('push', payload, { body });
  assert.is(delivery.status, 202);
  assert.equal(delivery.body, { status: 'queued', reason: null });
  pushed = { sha, deliveryId: delivery.deliveryId, body };
  const started = await until('an in-progress check run', () => github.checkRunsFor(sha).find((run) => run.history[0].status === 'in_progress'), 60_000);
  assert.match(started.fields.name, /^rfarm \(/);
  assert.match(started.fields.details_url, new RegExp(`^${farm.url}/status/[0-9a-f]{32}$`));
  const [done] = await until('the check run to complete', completed(sha));
  assert.is(done.id, started.id, 'the same check run was completed');
  assert.equal(
    done.history.map((state) => state.status),
    ['in_progress', 'completed'],
  );
  assert.is(done.fields.conclusion, 'success');
  assert.match(done.fields.output.title, /^R CMD check: OK/);
  assert.ok(done.fields.output.summary.includes(started.fields.details_url), 'the summary links the status page');
  // The App's calls went out with the installation's token, the tarball's among them.
  assert.ok(github.requests.some((request) => request.path === `/repos/${OWNER}/${REPO}/tarball/${sha}` && request.installationId === INSTALLATION));
  const job = await jobOf(done);
  assert.is(job.package, REPO);
  assert.is(job.version, '0.2.0');
  assert.equal(job.env, { _R_CHECK_RD_XREFS_: 'false', RFARM_CI_TOKEN: FARM_SECRET });
});

test('a replayed delivery is answered 200 and starts nothing', async () => {
  assert.ok(pushed, 'the push test ran first');
  const runsBefore = github.checkRuns.length;
  const replay = await deliver('push', null, { body: pushed!.body, deliveryId: pushed!.deliveryId });
  assert.is(replay.status, 200);
  assert.is(replay.body.status, 'duplicate');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.is(github.checkRuns.length, runsBefore, 'no new check run');
  assert.is(github.checkRunsFor(pushed!.sha).length, 1);
});

test("a pull request from a fork is checked without the farm's secrets or the repository's env", async () => {
  const sha = github.commit(
    OWNER,
    REPO,
    packageFiles('0.3.0', {
      '.rfarm.yml': 'env:\n  _R_CHECK_RD_XREFS_: "false"\n',
      NAMESPACE: 'export(hello, undocumented)\n',
      'R/undocumented.R': 'undocumented <- function() 1\n',
    }),
  );
  const delivery = await deliver('pull_request', pullRequestPayload(OWNER, REPO, INSTALLATION, sha, 'forker'));
  assert.is(delivery.status, 202);
  const [done] = await until('the fork PR check run to complete', completed(sha));
  assert.equal((await jobOf(done)).env, {});
  // An undocumented export is a WARNING, which fails the check run by default (error_on: warning).
  assert.is(done.fields.conclusion, 'failure');
  assert.match(done.fields.output.title, /^R CMD check: WARNING/);
  assert.match(done.fields.output.summary, /### WARNING: checking for missing documentation entries/);
});

test("an invalid .rfarm.yml fails the commit's check with a message saying what to change, and queues no job", async () => {
  const sha = github.commit(OWNER, REPO, packageFiles('0.4.0', { '.rfarm.yml': 'platforms: [r-devel-linux-x86_64-debian-gcc]\ncheck_arguments: --as-cran\n' }));
  const delivery = await deliver('push', pushPayload(OWNER, REPO, INSTALLATION, sha, 'topic'));
  assert.is(delivery.status, 202);
  const [refused] = await until('the failed check run', completed(sha), 60_000);
  assert.is(refused.fields.name, 'rfarm');
  assert.is(refused.fields.conclusion, 'failure');
  assert.is(refused.fields.output.title, '.rfarm.yml is not valid');
  assert.match(refused.fields.output.summary, /unknown setting 'check_arguments'; settings are platforms, check_args, env, error_on/);
  assert.is(refused.fields.details_url, undefined, 'no job, no status page');
});

test('a check started before a control-plane crash is still reported when it finishes', async () => {
  const sha = github.commit(OWNER, REPO, packageFiles('0.5.0', { 'tests/slow.R': 'Sys.sleep(12)\n' }));
  const delivery = await deliver('push', pushPayload(OWNER, REPO, INSTALLATION, sha));
  assert.is(delivery.status, 202);
  await until('an in-progress check run', () => (github.checkRunsFor(sha).length > 0 ? true : undefined), 60_000);
  await farm.restartControlPlane('SIGKILL');
  const [done] = await until('the check run to complete after the restart', completed(sha));
  assert.is(done.fields.conclusion, 'success');
  assert.is(github.checkRunsFor(sha).length, 1, 'one check run, completed once');
});

test.run();
