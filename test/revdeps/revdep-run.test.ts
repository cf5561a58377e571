/**
 * A reverse-dependency run end to end through a real farm: three real CRAN packages (assertthat
 * and two of its reverse dependencies, pkgcond and ratelimitr, as Debian's archive keeps their
 * CRAN tarballs) are published to the farm's repository; then a new assertthat that no longer
 * exports `see_if` (which pkgcond calls, and ratelimitr does not) is submitted with
 * `rfarm submit --revdeps`. The report must name pkgcond, and only pkgcond, as newly broken.
 * A second CRAN-like repository (served on loopback, in FARM_R_REPOS) adds two small packages:
 * one that only suggests assertthat (checked because the run asks for `--revdeps-which most`) and
 * one that imports assertthat (>= 0.2.2), a version no repository has: it is checked against the
 * submitted version only and reported as needing it, not as unchanged.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downloadDebianSource } from '../../sysreqs/prover/debian-sources.ts';
import { adminHeaders, waitForPublication } from '../repository/publishing.ts';
import { startTestFarm } from '../support/farm.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';
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

/** A CRAN-like repository of two small reverse dependencies of assertthat, served over HTTP on loopback. */
async function extraRepository(): Promise<{ url: string; close(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-revdep-extra-'));
  const contrib = join(root, 'src', 'contrib');
  mkdirSync(contrib, { recursive: true });
  const usesAssertthat = 'tests/uses.R';
  writeFileSync(
    join(contrib, 'suggestsat_0.1.0.tar.gz'),
    packTarball({
      name: 'suggestsat',
      fields: { Suggests: 'assertthat' },
      files: { ...documentedHello, [usesAssertthat]: 'if (requireNamespace("assertthat", quietly = TRUE)) stopifnot(assertthat::is.string("a"))\n' },
    }),
  );
  writeFileSync(
    join(contrib, 'needsnewat_0.1.0.tar.gz'),
    packTarball({
      name: 'needsnewat',
      fields: { Imports: 'assertthat (>= 0.2.2)' },
      files: {
        ...documentedHello,
        NAMESPACE: 'export(hello)\nimportFrom(assertthat, assert_that)\n',
        [usesAssertthat]: 'stopifnot(assertthat::assert_that(TRUE))\n',
      },
    }),
  );
  execFileSync('Rscript', ['-e', `tools::write_PACKAGES("${contrib}", type = "source")`]);
  const server = createServer((request, response) => {
    const path = join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    try {
      const body = readFileSync(path);
      response.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const tarballs = await cranTarballs();
if (typeof tarballs === 'string') {
  skipTest(NAME, tarballs);
} else {
  const extra = await extraRepository();
  // Two agents, so pairs run side by side; the second may take a while to join on a busy host.
  // FARM_R_REPOS reaches the agents and the control plane (searched after the farm's own).
  const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_R_REPOS: extra.url } });
  farm.addAgent();
  await farm.waitForWorkers(2, 120_000);
  test.after(async () => {
    await farm.cleanup();
    extra.close();
  });

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

    // Asked for as a person would: `rfarm submit --revdeps`, Suggests too, on the platform named.
    const platforms = (await (await fetch(`${farm.url}/platforms`)).json()) as Array<{ id: string; live_workers: number }>;
    const platform = platforms.find((entry) => entry.live_workers > 0)!.id;
    const newVersion = join(mkdtempSync(join(tmpdir(), 'rfarm-assertthat-new-')), 'assertthat_0.2.2.tar.gz');
    writeFileSync(newVersion, breakingAssertthat(tarballs.assertthat));
    const cli = spawnSync(
      process.execPath,
      [
        RFARM,
        'submit',
        newVersion,
        '--revdeps',
        '--revdeps-which',
        'most',
        '--revdeps-platform',
        platform,
        '--server',
        farm.url,
        '--env',
        SUGGESTS_NOT_FORCED,
        '--check-args',
        CHECK_ARGS,
      ],
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
    assert.equal(report.repositories, [`${farm.url}/repo`, extra.url]);
    assert.equal([report.platform, report.which], [platform, 'most']);
    const verdicts = Object.fromEntries(report.packages.map((result: any) => [result.package, result.verdict]));
    assert.equal(
      verdicts,
      { needsnewat: 'needs new version', pkgcond: 'newly broken', ratelimitr: 'unchanged', suggestsat: 'unchanged' },
      JSON.stringify(report.packages, null, 1),
    );
    assert.equal(report.counts, { unchanged: 2, newly_broken: 1, fixed: 0, pending: 0, failed: 0, needs_new_version: 1 });
    const suggests = report.packages.find((result: any) => result.package === 'suggestsat');
    assert.equal(suggests.fields, ['Suggests']);
    // Installable only with the new version: checked against it alone, and that check passes.
    const needs = report.packages.find((result: any) => result.package === 'needsnewat');
    assert.is(needs.published, null);
    assert.match(
      needs.reason,
      /^needs assertthat \(>= 0\.2\.2\); the repositories have 0\.2\.1: checked against the submitted version only \((OK|NOTE)\)$/,
      JSON.stringify(needs),
    );
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
    assert.match(page, /data-package="needsnewat" data-verdict="needs new version"/);
    const status = await (await fetch(`${farm.url}/status/${id}`)).text();
    assert.match(status, new RegExp(`href="/status/${id}/cran"`));
    // The upload page offers the same option (upload.js sends it as revdeps=true).
    assert.match(await (await fetch(`${farm.url}/`)).text(), /<input type="checkbox" id="revdeps" name="revdeps"/);
  });
}

test.run();
