/** Private farms' token modes: any token for allowed domains, or only pre-shared tokens; and their configuration. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../../control-plane/config.ts';
import { startTestFarm } from '../support/farm.ts';
import { packTarball, packages } from '../support/r-packages.ts';
import { rhubQuery, submitBody } from './rhub-client-replay.ts';

const PRESHARED = 'a3f9c2d4e5b60718293a4b5c6d7e8f90';
const domainFarm = await startTestFarm({ workers: 0, controlPlaneEnv: { FARM_RHUB_TOKEN_MODE: 'domain', FARM_RHUB_ALLOWED_DOMAINS: 'lab.example.org' } });
const presharedFarm = await startTestFarm({
  workers: 0,
  controlPlaneEnv: { FARM_RHUB_TOKEN_MODE: 'preshared', FARM_RHUB_TOKENS: `${PRESHARED},0123456789abcdef0123` },
});
const tarball = packTarball(packages.ok());

test.after(async () => {
  await Promise.all([domainFarm.cleanup(), presharedFarm.cleanup()]);
});

function submitTo(server: string, email: string, token: string) {
  return rhubQuery(server, 'SUBMIT PACKAGE', {
    data: submitBody({ email, token, packageName: 'okpkg', version: '0.1.0', platforms: ['debian-gcc-release'], tarball }),
  });
}

test('domain mode: validate_email mails nothing and says any token works', async () => {
  const response = await rhubQuery(domainFarm.url, 'VALIDATE EMAIL', { data: { email: 'me@lab.example.org' } });
  assert.is(response.status, 200);
  assert.match(response.body.message, /any token/);
});

test('domain mode: any token-shaped token is accepted for an allowed domain and its subdomains', async () => {
  assert.is((await submitTo(domainFarm.url, 'me@lab.example.org', 'mytoken1')).status, 201);
  assert.is((await submitTo(domainFarm.url, 'me@bio.lab.example.org', 'other99')).status, 201);
  const listed = await rhubQuery(domainFarm.url, 'LIST BUILDS EMAIL', { params: { email: 'me@lab.example.org', token: 'whatever7' } });
  assert.is(listed.body.length, 1);
});

test('domain mode: other domains are refused with the allowed ones named', async () => {
  const response = await submitTo(domainFarm.url, 'me@example.com', 'mytoken1');
  assert.is(response.status, 403);
  assert.is(response.body.status, 'error');
  assert.match(response.body.message, /lab\.example\.org/);
  assert.is((await rhubQuery(domainFarm.url, 'VALIDATE EMAIL', { data: { email: 'me@notlab.example.org' } })).status, 403);
});

test('preshared mode: a listed token works for any address, another token does not', async () => {
  assert.is((await submitTo(presharedFarm.url, 'anyone@example.com', PRESHARED)).status, 201);
  const refused = await submitTo(presharedFarm.url, 'anyone@example.com', 'b3f9c2d4e5b60718293a4b5c6d7e8f90');
  assert.is(refused.status, 401);
  assert.match(refused.body.message, /token is not valid/);
});

test('email mode without a mail server says so instead of pretending to send', async () => {
  const farm = await startTestFarm({ workers: 0 });
  try {
    const response = await rhubQuery(farm.url, 'VALIDATE EMAIL', { data: { email: 'me@example.org' } });
    assert.is(response.status, 503);
    assert.match(response.body.message, /FARM_SMTP_URL/);
  } finally {
    await farm.cleanup();
  }
});

test('the configuration reports a token mode that lacks what it needs', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (error) {
      assert.instance(error, ConfigError);
      return (error as Error).message;
    }
  };
  assert.match(problems({ FARM_RHUB_TOKEN_MODE: 'domain' }), /FARM_RHUB_ALLOWED_DOMAINS/);
  assert.match(problems({ FARM_RHUB_TOKEN_MODE: 'preshared' }), /FARM_RHUB_TOKENS/);
  assert.match(problems({ FARM_RHUB_TOKEN_MODE: 'preshared', FARM_RHUB_TOKENS: 'short' }), /at least 16/);
  assert.match(problems({ FARM_RHUB_TOKEN_MODE: 'nobody' }), /email, domain, preshared/);
  assert.match(problems({ FARM_SMTP_URL: 'mail.example.org' }), /smtp:\/\//);
  assert.equal(loadConfig({ FARM_RHUB_ALLOWED_DOMAINS: '@Example.org, lab.example.org' }).rhub.allowedDomains, ['example.org', 'lab.example.org']);
});

test.run();
