/** The agent asks the real sysreqs service before the check and names what is missing. */
import { execSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';
import { testUnless } from '../support/skip.ts';

const gdalInstalled = (() => {
  try {
    execSync("dpkg-query -W -f='${Status}' libgdal-dev 2>/dev/null | grep -q 'install ok installed'");
    return true;
  } catch {
    return false;
  }
})();

const farm = await startTestFarm({ workers: 1, sysreqsPort: 0 });
const needsGdal = await submit(
  farm,
  packTarball({
    name: 'gdalpkg',
    fields: { SystemRequirements: 'GDAL (>= 2.0.1)' },
    files: {
      ...documentedHello,
      NAMESPACE: 'useDynLib(gdalpkg)\nexport(hello)\n',
      'src/uses_gdal.c': '#include <gdal.h>\nint gdalpkg_version(void) { return GDAL_VERSION_MAJOR; }\n',
    },
  }),
);

test.after(() => farm.cleanup());

test('the build output has a system requirements section naming the rule and the OS package', async () => {
  await waitForJob(farm, needsGdal.body.id);
  const text = await output(farm, needsGdal.body.id);
  assert.match(text, />>> rfarm: system requirements/);
  assert.match(text, /gdal: .*libgdal-dev/);
});

const gdalPresent = gdalInstalled ? 'libgdal-dev is installed on this host, so no system library is missing' : undefined;

testUnless(gdalPresent, 'a check that fails for a missing system library says which one', async () => {
  const info = await waitForJob(farm, needsGdal.body.id);
  const build = info.builds[0];
  assert.is(build.status, 'DONE');
  assert.is(build.result.status, 'ERROR');
  const item = build.result.items.find((entry: any) => entry.check === 'system requirements');
  assert.ok(item, JSON.stringify(build.result.items.map((entry: any) => entry.check)));
  assert.match(item.text, /libgdal-dev/);
});

test.run();
