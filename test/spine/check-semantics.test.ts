/**
 * The farm's verdict is a bare `R CMD check`'s: the same built package, checked on the farm and by
 * `R CMD check` run here with the same arguments and environment on the same R (without network,
 * as the farm's `none` policy), gives the same result and the same findings. A package whose
 * tests use testthat's skip_on_cran() and one with a Suggests no repository has, each by default
 * and with --as-cran; and NOT_CRAN=true set through the API, to show the environment counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bareCheck, findings } from '../support/bare-check.ts';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { built, skipper, suggester } from '../support/verdict-packages.ts';

const cases = [
  { name: 'skip_on_cran, default', spec: skipper, query: '', env: {} },
  { name: 'skip_on_cran, --as-cran', spec: skipper, query: 'check_args=--as-cran', env: {} },
  { name: 'skip_on_cran, NOT_CRAN=true', spec: skipper, query: 'env_vars=NOT_CRAN%3Dtrue', env: { NOT_CRAN: 'true' } },
  { name: 'missing Suggests, default', spec: suggester, query: '', env: {} },
  { name: 'missing Suggests, --as-cran', spec: suggester, query: 'check_args=--as-cran', env: {} },
];
const tarballs = new Map([skipper, suggester].map((spec) => [spec.name, built(spec)]));

const farm = await startTestFarm({ workers: 1 });
const submitted = await Promise.all(cases.map((entry) => submit(farm, tarballs.get(entry.spec.name)!.data, entry.query)));
test.after(() => farm.cleanup());

test('the farm answers each submission with its real status', () => {
  for (const answer of submitted) {
    assert.is(answer.status, 202, JSON.stringify(answer.body));
    assert.ok(['QUEUED', 'RUNNING'].includes(answer.body.status), answer.body.status);
    assert.is(answer.body.status, answer.body.builds[0].status);
  }
});

for (const [index, entry] of cases.entries()) {
  test(`${entry.name}: the farm's verdict and findings equal a bare R CMD check's`, async () => {
    const build = (await waitForJob(farm, submitted[index].body.id, 600_000)).builds[0];
    const text = await output(farm, submitted[index].body.id);
    assert.is(build.status, 'DONE', `${build.reason}\n${text}`);
    const jobEnv = Object.fromEntries(Object.entries(build.check.env as Record<string, string>).filter(([name]) => build.check.sources[name] !== 'sandbox'));
    assert.equal(jobEnv, entry.env, 'the farm added nothing to the environment but what the job asked for');
    const bare = bareCheck(tarballs.get(entry.spec.name)!.path, build.check.command, jobEnv);
    assert.is(build.result.status, bare.status, `farm: ${findings(build.result).join('; ')}\nbare: ${findings(bare).join('; ')}\n${text}`);
    assert.equal(findings(build.result), findings(bare));
  });
}

test('skip_on_cran() skips on the farm as on CRAN unless NOT_CRAN=true is asked for', async () => {
  const [plain, , notCran] = await Promise.all([0, 1, 2].map((index) => waitForJob(farm, submitted[index].body.id, 600_000)));
  assert.is(plain.builds[0].result.status, 'OK', JSON.stringify(plain.builds[0].result.items));
  assert.is(notCran.builds[0].result.status, 'ERROR');
  assert.ok(
    notCran.builds[0].result.items.some((item: any) => /tests/.test(item.check)),
    JSON.stringify(notCran.builds[0].result.items),
  );
});

test("the output starts with the exact command, environment and network, and the API's build says the same", async () => {
  const info = await waitForJob(farm, submitted[1].body.id, 600_000);
  const text = await output(farm, submitted[1].body.id);
  const head = text.split('\n').slice(0, 6).join('\n');
  assert.match(
    head,
    /^>>> rfarm: check command: env -i PATH=\S+ HOME=\/job\/home .* R CMD check --no-manual --install-args=--build --as-cran skipper_0\.1\.0\.tar\.gz$/m,
  );
  assert.match(head, /^>>> rfarm: check environment: nothing beyond a bare R CMD check$/m);
  assert.match(head, /^>>> rfarm: network: none \(/m);
  assert.equal(info.builds[0].check.command, ['R', 'CMD', 'check', '--no-manual', '--install-args=--build', '--as-cran', 'skipper_0.1.0.tar.gz']);
  assert.is(info.builds[0].check.network, 'none');
  assert.is(info.builds[0].check.env.NOT_CRAN, undefined);
  const page = await (await fetch(`${farm.url}/status/${info.id}`, { headers: { accept: 'text/html' } })).text();
  assert.match(page, /R CMD check --no-manual --install-args=--build --as-cran skipper_0\.1\.0\.tar\.gz/);
  assert.match(page, /network none/);
});

test.run();
