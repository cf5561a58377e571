/** Which deliveries start checks, what a repository's .rfarm.yml may say, and how signatures are checked. */
import { sign } from '@octokit/webhooks-methods';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findPlatform } from '../../images/index.ts';
import { ConfigError, loadConfig } from '../../control-plane/config.ts';
import { GITHUB_DEFAULT_PLATFORMS } from '../../control-plane/github/ci-platforms.ts';
import { readRepositoryConfig, RepositoryConfigError } from '../../control-plane/github/repository-config.ts';
import { signatureMatches } from '../../control-plane/github/webhook-signature.ts';
import { readDelivery } from '../../control-plane/github/webhook-events.ts';
import { pullRequestPayload, pushPayload } from './payloads.ts';

const SHA = 'a'.repeat(40);

test('a push to a branch is a check of its head commit; to the default branch it counts for the badges', () => {
  const request = readDelivery('push', 'd-1', pushPayload('o', 'r', 5, SHA));
  assert.equal(request, {
    deliveryId: 'd-1',
    installationId: 5,
    owner: 'o',
    repo: 'r',
    event: 'push',
    sha: SHA,
    branch: 'main',
    defaultBranch: true,
    fromFork: false,
    pullRequest: null,
  });
  assert.is((readDelivery('push', 'd-2', pushPayload('o', 'r', 5, SHA, 'topic')) as any).defaultBranch, false);
});

test('tag pushes, deleted branches and closed pull requests start nothing, and say why', () => {
  assert.equal(readDelivery('push', 'd', { ...pushPayload('o', 'r', 5, SHA), ref: 'refs/tags/v1' }), {
    ignored: "a push to 'refs/tags/v1' (only branches are checked)",
  });
  assert.equal(readDelivery('push', 'd', { ...pushPayload('o', 'r', 5, SHA), deleted: true, after: '0'.repeat(40) }), { ignored: 'a deleted branch' });
  assert.equal(readDelivery('pull_request', 'd', { ...pullRequestPayload('o', 'r', 5, SHA, 'forker'), action: 'closed' }), {
    ignored: "pull request action 'closed' starts no check",
  });
  assert.equal(readDelivery('issues', 'd', {}), { ignored: "event 'issues' starts no check" });
  assert.equal(readDelivery('push', 'd', { ...pushPayload('o', 'r', 5, SHA), installation: undefined }), { ignored: 'the delivery names no App installation' });
});

test('a pull request from another repository is a fork; one from a branch of the same repository is checked through its push', () => {
  const fork = readDelivery('pull_request', 'd', pullRequestPayload('o', 'r', 5, SHA, 'forker')) as any;
  assert.is(fork.fromFork, true);
  assert.is(fork.pullRequest, 7);
  assert.is(fork.branch, 'feature');
  assert.equal(readDelivery('pull_request', 'd', pullRequestPayload('o', 'r', 5, SHA, 'o')), {
    ignored: 'a pull request from a branch of this repository: the push of its commit is checked',
  });
  const gone = pullRequestPayload('o', 'r', 5, SHA, 'forker');
  (gone.pull_request.head as any).repo = null;
  assert.is((readDelivery('pull_request', 'd', gone) as any).fromFork, true, 'a deleted fork is still a fork');
});

test('no .rfarm.yml, or an empty one, means the defaults', () => {
  assert.equal(readRepositoryConfig(null), { platforms: [], checkArgs: [], env: {}, errorOn: 'warning' });
  assert.equal(readRepositoryConfig(''), readRepositoryConfig(null));
});

test('.rfarm.yml sets platforms, check arguments, environment and error_on', () => {
  const config = readRepositoryConfig('platforms: [a-b, c-d]\ncheck_args: --as-cran --no-tests\nenv:\n  NOT_CRAN: "false"\nerror_on: error\n');
  assert.equal(config, { platforms: ['a-b', 'c-d'], checkArgs: ['--as-cran', '--no-tests'], env: { NOT_CRAN: 'false' }, errorOn: 'error' });
});

test('a .rfarm.yml the farm cannot use is refused with what to change', () => {
  const refused = (text: string) => {
    try {
      readRepositoryConfig(text);
    } catch (error) {
      assert.instance(error, RepositoryConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };
  assert.match(refused('platform: x\n'), "unknown setting 'platform'; settings are platforms, check_args, env, error_on");
  assert.match(refused('check_args: --install-args=--no-test-load\n'), "check argument '--install-args=--no-test-load' is not allowed; allowed: --as-cran");
  assert.match(refused('env:\n  LD_PRELOAD: /tmp/x.so\n'), "environment variable 'LD_PRELOAD' may not be set");
  assert.match(refused('error_on: never\n'), 'error_on must be one of note, warning, error');
  assert.match(refused('platforms: [a\n'), '.rfarm.yml is not valid YAML');
  assert.match(refused('- a\n- b\n'), '.rfarm.yml must be a mapping');
});

test('the GitHub defaults are catalogue platforms', () => {
  for (const id of GITHUB_DEFAULT_PLATFORMS) assert.ok(findPlatform(id), id);
});

test('a signature matches exactly the body GitHub signed with the secret (as Octokit signs it)', async () => {
  const body = Buffer.from(JSON.stringify(pushPayload('o', 'r', 5, SHA)));
  const signature = await sign('s3cret-s3cret-s3cret', body.toString('utf8'));
  assert.ok(signatureMatches('s3cret-s3cret-s3cret', body, signature));
  assert.not.ok(signatureMatches('another-secret-here!', body, signature));
  assert.not.ok(signatureMatches('s3cret-s3cret-s3cret', Buffer.concat([body, Buffer.from(' ')]), signature));
  assert.not.ok(signatureMatches('s3cret-s3cret-s3cret', body, signature.replace('sha256=', 'sha1=')));
  assert.not.ok(signatureMatches('s3cret-s3cret-s3cret', body, 'sha256=abc'));
  assert.not.ok(signatureMatches('s3cret-s3cret-s3cret', body, undefined));
});

test('the GitHub App is off without FARM_GITHUB_APP_ID, and with it needs the secret and the key, all reported at once', () => {
  assert.is(loadConfig({ FARM_GITHUB_WEBHOOK_SECRET: 'the-stacks-always-set-this' }).github, null);
  try {
    loadConfig({ FARM_GITHUB_APP_ID: 'abc', FARM_GITHUB_SECRET_ENV_BAD$NAME: 'x' } as NodeJS.ProcessEnv);
    assert.unreachable('accepted');
  } catch (error) {
    assert.instance(error, ConfigError);
    const message = (error as Error).message;
    for (const part of [
      'FARM_GITHUB_APP_ID=abc',
      'FARM_GITHUB_WEBHOOK_SECRET',
      'FARM_GITHUB_PRIVATE_KEY_FILE',
      "'BAD$NAME' is not an environment variable name",
    ])
      assert.match(message, part);
  }
  const github = loadConfig({
    FARM_GITHUB_APP_ID: '12',
    FARM_GITHUB_WEBHOOK_SECRET: 'x'.repeat(20),
    FARM_GITHUB_PRIVATE_KEY_FILE: '/k.pem',
    FARM_GITHUB_SECRET_ENV_API_KEY: 'v',
  }).github;
  assert.equal(github, { webhookSecret: 'x'.repeat(20), appId: 12, privateKeyFile: '/k.pem', apiUrl: 'https://api.github.com', secretEnv: { API_KEY: 'v' } });
});

test.run();
