/**
 * A repository that cannot be reached is the farm's failure, not the package's: the build is
 * retried and ends FAILED. A package whose dependencies are all on the host never needs the
 * repositories, so it still checks OK.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../scripts/free-port.ts';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';

// A port nobody listens on: connections to it are refused.
const deadRepo = `http://127.0.0.1:${await freePort()}/cran`;
const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_R_REPOS: deadRepo, FARM_MAX_ATTEMPTS: '2' } });
test.after(() => farm.cleanup());

test('a dependency missing while a repository is unreachable ends FAILED after a retry, naming the repository', async () => {
  const tarball = packTarball({ name: 'needsnet', fields: { Imports: 'notonthehost42' }, files: documentedHello });
  const { body } = await submit(farm, tarball);
  const build = (await waitForJob(farm, body.id)).builds[0];
  assert.is(build.status, 'FAILED', JSON.stringify(build));
  assert.is(build.attempt, 2);
  assert.match(build.reason, /could not be reached/);
  assert.ok(build.reason.includes(deadRepo), build.reason);
});

test('a package whose dependencies are all on the host checks OK without reaching any repository', async () => {
  const tarball = packTarball({
    name: 'hostdeps',
    fields: { Imports: 'jsonlite' },
    files: { ...documentedHello, NAMESPACE: 'export(hello)\nimportFrom(jsonlite, toJSON)\n', 'R/json.R': 'as_json <- function(x) toJSON(x)\n' },
  });
  const { body } = await submit(farm, tarball);
  const build = (await waitForJob(farm, body.id)).builds[0];
  const text = await output(farm, body.id);
  assert.is(build.status, 'DONE', build.reason);
  assert.is(build.result.status, 'OK', text);
  assert.match(text, /already available: jsonlite [\d.]+ \(\/usr\/lib\/R\/site-library\)/);
});

test.run();
