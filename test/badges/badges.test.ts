/**
 * Badges through a real farm: real builds of real packages, published with the admin token, then
 * the badges read over HTTP as a README's image would.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { adminHeaders, publish, submitForPublishing } from '../repository/publishing.ts';
import { startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';

const farm = await startTestFarm();
test.after(() => farm.cleanup());

/** What a badge says: its accessible label, "label: message". */
async function badge(path: string): Promise<{ response: Response; says: string }> {
  const response = await fetch(`${farm.url}${path}`);
  const svg = await response.text();
  return { response, says: /aria-label="([^"]*)"/.exec(svg)?.[1] ?? `(no badge: ${svg.slice(0, 200)})` };
}

/** Badges follow builds through a watcher: wait until one says what we expect. */
async function waitForBadge(path: string, expected: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { says } = await badge(path);
    if (says === expected || Date.now() > deadline) return says;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const ok = (version: string) => packTarball({ name: 'badgepkg', version, files: documentedHello });
const warning = (version: string) =>
  packTarball({
    name: 'badgepkg',
    version,
    files: { ...documentedHello, NAMESPACE: 'export(hello, undocumented)\n', 'R/undocumented.R': 'undocumented <- function() 1\n' },
  });
let platform = '';

test('a package nobody has checked gets grey "no results" and "not published" badges, as SVG that is not sniffed', async () => {
  const check = await badge('/badges/check/nobodyspkg');
  assert.is(check.response.status, 200);
  assert.is(check.response.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
  assert.is(check.response.headers.get('x-content-type-options'), 'nosniff');
  assert.is(check.says, 'R CMD check: no results');
  assert.is((await badge('/badges/version/nobodyspkg')).says, 'rfarm: not published');
});

test('a published build shows its result on the platform and overall badges, and its version on the version badge', async () => {
  const publications = await publish(farm, ok('1.0.0'));
  platform = publications.builds[0].platform;
  assert.is(await waitForBadge(`/badges/check/badgepkg/${platform}`, `${platform}: OK`), `${platform}: OK`);
  assert.is((await badge('/badges/check/badgepkg')).says, 'R CMD check: OK');
  assert.is((await badge('/badges/version/badgepkg')).says, 'rfarm: v1.0.0');
});

test('a badge is cacheable: a short max-age and an ETag that answers 304 until the badge changes', async () => {
  const first = await fetch(`${farm.url}/badges/check/badgepkg/${platform}`);
  await first.text();
  assert.match(first.headers.get('cache-control') ?? '', /max-age=60\b/);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  // fetch() would add `Cache-Control: no-cache` (a forced reload) to a conditional request; a
  // revalidating browser or proxy sends max-age=0.
  const revalidate = { 'if-none-match': etag, 'cache-control': 'max-age=0' };
  const again = await fetch(`${farm.url}/badges/check/badgepkg/${platform}`, { headers: revalidate });
  assert.is(again.status, 304);
  const other = await fetch(`${farm.url}/badges/check/badgepkg`, { headers: revalidate });
  assert.is(other.status, 200, 'another badge has another ETag');
});

test('an upload without the admin token does not change the badge, whatever its result', async () => {
  const { body } = await submit(farm, warning('1.0.1'));
  const info = await waitForJob(farm, body.id);
  assert.is(info.builds[0].result.status, 'WARNING');
  // The watcher has had the finished build long enough to have recorded it, had it counted.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  assert.is((await badge(`/badges/check/badgepkg/${platform}`)).says, `${platform}: OK`);
});

test('a newer vouched-for build replaces the result, even one that may not be published', async () => {
  const id = await submitForPublishing(farm, warning('1.0.2'));
  await waitForJob(farm, id);
  assert.is(await waitForBadge(`/badges/check/badgepkg/${platform}`, `${platform}: WARNING`), `${platform}: WARNING`);
  assert.is((await badge('/badges/check/badgepkg')).says, 'R CMD check: WARNING');
  // Publishing refused a WARNING: the repository still has 1.0.0.
  const publications = await (await fetch(`${farm.url}/repository/publications/${id}`, { headers: adminHeaders(farm) })).json();
  assert.is.not(publications.builds[0].status, 'published');
  assert.is((await badge('/badges/version/badgepkg')).says, 'rfarm: v1.0.0');
});

test('an invalid package name is a 400 JSON error saying what a name may hold', async () => {
  const response = await fetch(`${farm.url}/badges/check/not_a_package`);
  assert.is(response.status, 400);
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.is(body.error.code, 'invalid_request');
  assert.match(body.error.message, /package/);
});

test.run();
