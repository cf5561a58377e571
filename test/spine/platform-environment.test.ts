/**
 * A platform's own check environment from the catalogue, applied by a real agent: an agent serving
 * the CRAN flavour r-devel-linux-x86_64-debian-gcc (here on this host's R, standing in) checks with
 * CRAN's regular-check settings, says so in the output and the build record, and its verdict equals
 * a bare `R CMD check` with that same command and environment on the same R. The settings count:
 * a missing Suggests, an ERROR by R's default, is not one under the flavour's
 * `_R_CHECK_FORCE_SUGGESTS_=false`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT } from '../../images/index.ts';
import { bareCheck, findings } from '../support/bare-check.ts';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { built, skipper, suggester } from '../support/verdict-packages.ts';

const FLAVOUR = 'r-devel-linux-x86_64-debian-gcc';
const tarballs = new Map([skipper, suggester].map((spec) => [spec.name, built(spec)]));
const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_PLATFORM: FLAVOUR } });
const submitted = await Promise.all([suggester, skipper].map((spec) => submit(farm, tarballs.get(spec.name)!.data, `platform=${FLAVOUR}`)));
test.after(() => farm.cleanup());

for (const [index, spec] of [suggester, skipper].entries()) {
  test(`${spec.name} on ${FLAVOUR}: checked with the flavour's settings, and the verdict equals a bare R CMD check's with them`, async () => {
    assert.is(submitted[index].status, 202, JSON.stringify(submitted[index].body));
    const build = (await waitForJob(farm, submitted[index].body.id, 600_000)).builds[0];
    const text = await output(farm, submitted[index].body.id);
    assert.is(build.status, 'DONE', `${build.reason}\n${text}`);
    const added = Object.fromEntries(Object.entries(build.check.env as Record<string, string>).filter(([name]) => build.check.sources[name] !== 'sandbox'));
    assert.equal(added, CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT, 'the catalogue settings, and nothing else, were added');
    for (const name of Object.keys(CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT)) assert.is(build.check.sources[name], 'platform', name);
    assert.match(text, /^>>> rfarm: check environment: _R_CHECK_SCREEN_DEVICE_=warn \(platform\), /m);
    const bare = bareCheck(tarballs.get(spec.name)!.path, build.check.command, added);
    assert.is(build.result.status, bare.status, `farm: ${findings(build.result).join('; ')}\nbare: ${findings(bare).join('; ')}\n${text}`);
    assert.equal(findings(build.result), findings(bare));
  });
}

test("the flavour does not insist on Suggests: a missing one is no ERROR, unlike R's default", async () => {
  const build = (await waitForJob(farm, submitted[0].body.id, 600_000)).builds[0];
  assert.not.ok(
    build.result.items.some((item: { severity: string; check: string }) => item.severity === 'ERROR' && /dependencies/.test(item.check)),
    JSON.stringify(build.result.items),
  );
});

test.run();
