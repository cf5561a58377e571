/**
 * A reverse-dependency run end to end through a real farm: three real CRAN packages (assertthat
 * and two of its reverse dependencies, pkgcond and ratelimitr, as Debian's archive keeps their
 * CRAN tarballs) are published to the farm's repository; then a new assertthat that no longer
 * exports `see_if` (which pkgcond calls, and ratelimitr does not) is submitted with
 * `rfarm submit --revdeps`. The report must name pkgcond, and only pkgcond, as newly broken.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downloadDebianSource } from '../../sysreqs/prover/debian-sources.ts';
import { adminHeaders, waitForPublication } from '../repository/publishing.ts';
import { startTestFarm } from '../support/farm.ts';
import { skipTest } from '../support/skip.ts';

const NAME = 'a new version that breaks one reverse dependency is reported as breaking exactly that one, the others unchanged';
/** CRAN tarballs from Debian's archive, kept between runs. */
const SOURCES_CACHE = join(tmpdir(), 'rfarm-debian-sources');
const RFARM = fileURLToPath(new URL('../../cli/rfarm.js', import.meta.url));
/** Missing Suggests (covr, knitr …) are not the point; the same settings go to every check of the run. */
const SUGGESTS_NOT_FORCED = '_R_CHECK_FORCE_SUGGESTS_=false';
const CHECK_ARGS = '--ignore-vignettes --no-examples';
/** Publishing only has to put the packages into the repository: the quickest check that passes. */
const PUBLISH_QUERY = `env_vars=${encodeURIComponent(SUGGESTS_NOT_FORCED)}&check_args=${encodeURIComponent(`${CHECK_ARGS} --no-tests`)}`;

async function cranTarballs(): Promise<Record<string, Buffer> | string> {
  const tarballs: Record<string, Buffer> = {};
  for (const name of ['assertthat', 'pkgcond', 'ratelimitr']) {
    const source = await downloadDebianSource(name, SOURCES_CACHE).catch((error: Error) => error.message);
    if (typeof source === 'string') return `${name}'s CRAN tarball is not available from Debian's archive: ${source}`;
    tarballs[name] = readFileSync(source.tarball);
  }
  return tarballs;
}

/** assertthat 0.2.1 with `see_if` no longer exported (and a new version number). */
function breakingAssertthat(original: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-assertthat-'));
  try {
    writeFileSync(join(dir, 'orig.tar.gz'), original);
    execFileSync('tar', ['-xzf', 'orig.tar.gz'], { cwd: dir });
    const namespace = join(dir, 'assertthat', 'NAMESPACE');
    writeFileSync(namespace, readFileSync(namespace, 'utf8').replace('export(see_if)\n', ''));
    const description = join(dir, 'assertthat', 'DESCRIPTION');
    writeFileSync(description, readFileSync(description, 'utf8').replace(/^Version: .*$/m, 'Version: 0.2.2'));
    rmSync(join(dir, 'assertthat', 'MD5'));
    execFileSync('tar', ['-czf', 'new.tar.gz', 'assertthat'], { cwd: dir });
    return readFileSync(join(dir, 'new.tar.gz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tarballs = await cranTarballs();
if (typeof tarballs === 'string') {
  skipTest(NAME, tarballs);
} else {
  // Two agents, so pairs run side by side; the second may take a while to join on a busy host.
  const farm = await startTestFarm({ workers: 1 });
  farm.addAgent();
  await farm.waitForWorkers(2, 120_000);
  test.after(() => farm.cleanup());

  const publish = async (tarball: Buffer): Promise<void> => {
    const response = await fetch(`${farm.url}/jobs/submit/tarball?publish=true&${PUBLISH_QUERY}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/gzip', ...adminHeaders(farm) },
      body: new Uint8Array(tarball),
    });
    const body = (await response.json()) as { id: string };
    assert.is(response.status, 202, JSON.stringify(body));
    const publications = await waitForPublication(farm, body.id, 300_000);
    for (const build of publications.builds) assert.is(build.status, 'published', JSON.stringify(build));
  };

  test(NAME, async () => {
    // assertthat first: its reverse dependencies need it to install.
    await publish(tarballs.assertthat);
    await Promise.all([publish(tarballs.pkgcond), publish(tarballs.ratelimitr)]);

    // Asked for as a person would: `rfarm submit --revdeps`.
    const newVersion = join(mkdtempSync(join(tmpdir(), 'rfarm-assertthat-new-')), 'assertthat_0.2.2.tar.gz');
    writeFileSync(newVersion, breakingAssertthat(tarballs.assertthat));
    const cli = spawnSync(
      process.execPath,
      [RFARM, 'submit', newVersion, '--revdeps', '--server', farm.url, '--env', SUGGESTS_NOT_FORCED, '--check-args', CHECK_ARGS],
      { encoding: 'utf8' },
    );
    assert.is(cli.status, 0, cli.stderr);
    const id = /\/status\/([0-9a-f]{32})\n/.exec(cli.stdout)?.[1] ?? '';
    assert.match(cli.stdout, new RegExp(`CRAN pre-submission summary: ${farm.url}/status/${id}/cran`));

    const waitForSummary = async (done: (summary: any) => boolean): Promise<any> => {
      const deadline = Date.now() + 600_000;
      for (;;) {
        const response = await fetch(`${farm.url}/jobs/${id}/cran-summary`);
        assert.is(response.status, 200);
        const summary = await response.json();
        if (done(summary)) return summary;
        if (Date.now() > deadline) throw new Error(`the revdep run did not get there: ${JSON.stringify(summary.revdeps)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    // The run lives in JetStream: a control plane killed while the pairs are checked loses nothing.
    await waitForSummary((summary) => summary.revdeps?.state === 'checking');
    await farm.restartControlPlane('SIGKILL');
    const summary = await waitForSummary((current) => current.complete);

    const report = summary.revdeps;
    assert.is(report.state, 'done', JSON.stringify(report));
    assert.is(report.repositories[0], `${farm.url}/repo`);
    const verdicts = Object.fromEntries(report.packages.map((result: any) => [result.package, result.verdict]));
    assert.equal(verdicts, { pkgcond: 'newly broken', ratelimitr: 'unchanged' }, JSON.stringify(report.packages, null, 1));
    assert.equal(report.counts, { unchanged: 1, newly_broken: 1, fixed: 0, pending: 0, failed: 0 });
    const broken = report.packages.find((result: any) => result.package === 'pkgcond');
    assert.ok(
      broken.appeared.some((item: any) => ['ERROR', 'WARNING'].includes(item.severity) && /see_if/.test(item.text)),
      `the findings that appeared name see_if: ${JSON.stringify(broken.appeared)}`,
    );
    // Both checks of a pair ran on the chosen platform, as ordinary jobs with their own pages.
    assert.is(broken.published.result === 'ERROR', false, 'pkgcond passes against the published assertthat');
    assert.is(summary.platforms.length, 1);
    assert.is(summary.platforms[0].platform, report.platform);

    const page = await (await fetch(`${farm.url}/status/${id}/cran`)).text();
    assert.match(page, /data-package="pkgcond" data-verdict="newly broken"/);
    assert.match(page, /data-package="ratelimitr" data-verdict="unchanged"/);
    const status = await (await fetch(`${farm.url}/status/${id}`)).text();
    assert.match(status, new RegExp(`href="/status/${id}/cran"`));
    // The upload page offers the same option (upload.js sends it as revdeps=true).
    assert.match(await (await fetch(`${farm.url}/`)).text(), /<input type="checkbox" id="revdeps" name="revdeps"/);
  });
}

test.run();
