/**
 * The web pages in a real browser against a real local farm: upload a package through the page,
 * watch it live to DONE, watch output grow, cancel from the page, download an artifact, 404s, and
 * hostile check output shown as text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { packTarball, packages, writePackage } from '../support/r-packages.ts';
import { screenshot, startChromium } from './chromium.ts';
import { startSmtpSink } from '../rhub/smtp-sink.ts';

const sink = await startSmtpSink();
const farm = await startTestFarm({ workers: 2, controlPlaneEnv: { FARM_SMTP_URL: sink.url } });
await farm.waitForWorkers(2);

// Check output that tries to become markup, in a failing test so it lands in the check items too.
const hostile = packTarball({
  name: 'hostilepkg',
  files: {
    ...packages.ok('hostilepkg').files,
    'tests/inject.R': 'cat("<script>window.__pwned = 1</script><img src=x onerror=\\"window.__pwned = 2\\">\\n")\nstop("<b>bold failure</b>")\n',
  },
});
const injected = await submit(farm, hostile);
assert.is(injected.status, 202);

const browser = await startChromium();
const problems: string[] = [];

/** A tab that records script errors and blocked or missing resources, unless they are expected. */
async function openPage(width = 1280, height = 900, expectErrors = false): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  if (!expectErrors) page.on('console', (message) => message.type() === 'error' && problems.push(`console ${message.location().url}: ${message.text()}`));
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}

const okTarball = join(writePackage(packages.ok()), 'okpkg_0.1.0.tar.gz');
writeFileSync(okTarball, packTarball(packages.ok()));
let uploadedStatusUrl = '';

test.after(async () => {
  await browser.close();
  await farm.cleanup();
  await sink.close();
});

test('the upload page lists the platforms, live ones marked and the default preselected', async () => {
  const page = await openPage();
  await page.goto(`${farm.url}/`);
  const live = page.locator('label.choice', { hasText: 'r-patched-linux-x86_64-debian-12-gcc' });
  await live.locator('.badge.live').waitFor();
  assert.ok(await live.locator('input').isChecked(), 'the platform with a live worker is preselected');
  assert.ok(await page.getByLabel('E-mail').isVisible(), 'offered: this farm has SMTP');
  assert.ok(await page.getByLabel('Package source (.tar.gz)').isVisible());
  assert.not.ok(await page.getByLabel('--as-cran').isChecked(), 'a bare check unless asked');
  assert.ok(await page.getByLabel('Environment variables').isVisible());
  await screenshot(page, 'upload-page');
  await page.close();
});

test('a package uploaded through the page lands on its status page, which updates live to DONE', async () => {
  const page = await openPage();
  await page.goto(`${farm.url}/`);
  await page.getByLabel('Package source (.tar.gz)').setInputFiles(okTarball);
  await page.getByLabel('E-mail').fill('author@example.org');
  await page.getByLabel('Environment variables').fill('TZ=UTC\n');
  await page.getByRole('button', { name: 'Submit package' }).click();
  await page.waitForURL(/\/status\/[0-9a-f]{32}$/);
  uploadedStatusUrl = page.url();
  // Queued or running first: the page must change by itself, without a reload.
  const row = page.locator('tr.build');
  assert.ok(['QUEUED', 'RUNNING', 'SUBMITTED'].includes((await row.getAttribute('data-status'))!));
  await page.locator('tr.build[data-status="DONE"]').waitFor({ timeout: 180_000 });
  await page.locator('#output', { hasText: 'Status: OK' }).waitFor({ timeout: 30_000 });
  assert.match(await row.locator('td[data-label="Result"]').innerText(), /OK\s+0 errors, 0 warnings, 0 notes/);
  assert.ok(await page.locator('#cancel-button').isHidden(), 'nothing left to cancel');
  const settings = page.locator('details.check-settings summary');
  assert.match(await settings.innerText(), /Checked with: R CMD check --no-manual --install-args=--build; network none/);
  await settings.click();
  assert.match(await page.locator('details.check-settings').innerText(), /TZ=UTC\s+\(job\)/);
  const mail = await sink.next('author@example.org', 30_000);
  assert.match(mail.text, new RegExp(`okpkg 0\\.1\\.0: OK[\\s\\S]*${uploadedStatusUrl}`));
  await screenshot(page, 'status-page-done');
  const phone = await openPage(390, 844);
  await phone.goto(uploadedStatusUrl);
  await screenshot(phone, 'status-page-phone');
  await phone.close();
  await page.close();
});

test('an artifact downloads from the status page once the build is done', async () => {
  const page = await openPage();
  await page.goto(uploadedStatusUrl);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '00check.log' }).click()]);
  assert.is(download.suggestedFilename(), '00check.log');
  const text = readFileSync((await download.path())!, 'utf8');
  assert.match(text, /Status: OK/);
  await page.close();
});

test('a status page opened after the build finished shows the whole output', async () => {
  const page = await openPage();
  await page.goto(uploadedStatusUrl);
  const text = await page.locator('#output').innerText();
  assert.match(text, /R CMD build|checking for file/);
  assert.match(text, /Status: OK/);
  await page.close();
});

test('the console output grows while a build runs, then the build is cancelled from the page', async () => {
  // Submitted now, with the workers free, so the page watches it from its start.
  const slow = await submit(farm, packTarball(packages.slow(300)));
  const page = await openPage();
  await page.goto(`${farm.url}/status/${slow.body.id}`);
  await page.waitForFunction(() => (document.getElementById('output')?.textContent ?? '').length > 0, null, { timeout: 60_000 });
  const first = (await page.locator('#output').textContent())!;
  await page.locator('tr.build[data-status="RUNNING"]').waitFor({ timeout: 60_000 });
  await page.locator('#output', { hasText: 'checking tests' }).waitFor({ timeout: 60_000 });
  const later = (await page.locator('#output').textContent())!;
  assert.not.match(first, /checking tests/);
  assert.ok(later.startsWith(first) && later.length > first.length, 'the output grew in place');
  await screenshot(page, 'status-page-running');
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.locator('tr.build[data-status="CANCELLED"]').waitFor({ timeout: 30_000 });
  await page.locator('#cancel-message', { hasText: 'Cancelled.' }).waitFor();
  assert.ok(await page.locator('#cancel-button').isHidden());
  const info = await waitForJob(farm, slow.body.id, 30_000);
  assert.is(info.builds[0].status, 'CANCELLED');
  await page.close();
});

test('check output from the package is shown as text, never run as markup', async () => {
  await waitForJob(farm, injected.body.id);
  const page = await openPage();
  await page.goto(`${farm.url}/status/${injected.body.id}`);
  await page.locator('summary', { hasText: 'Check items' }).click();
  await page.locator('.item pre', { hasText: '<b>bold failure</b>' }).first().waitFor();
  assert.match(await page.locator('#output').innerText(), /<b>bold failure<\/b>/);
  assert.is(await page.evaluate(() => (window as any).__pwned), undefined);
  assert.is(await page.locator('main script, main img, main b').count(), 0);
  await page.close();
});

test('a status URL with a wrong id shows a no-such-job page with status 404', async () => {
  const page = await openPage(1280, 900, true);
  const response = await page.goto(`${farm.url}/status/0123456789abcdef0123456789abcdef`);
  assert.is(response?.status(), 404);
  assert.is(await page.locator('h1').innerText(), 'No such job');
  const odd = await page.goto(`${farm.url}/status/${encodeURIComponent('<i>x</i>')}`);
  assert.is(odd?.status(), 404);
  assert.is(await page.locator('main i').count(), 0);
  await page.close();
});

test('browsers get HTML views of platforms and workers; other clients keep the JSON API', async () => {
  const page = await openPage(390, 844);
  await page.goto(`${farm.url}/platforms`);
  assert.is(await page.locator('h1').innerText(), 'Platforms');
  await page.goto(`${farm.url}/workers`);
  await page.locator('td', { hasText: 'r-patched-linux-x86_64-debian-12-gcc' }).first().waitFor();
  await screenshot(page, 'workers-page-phone');
  await page.close();
  const json = await fetch(`${farm.url}/platforms`);
  assert.match(json.headers.get('content-type')!, /application\/json/);
  assert.ok(Array.isArray(await json.json()));
  const workers = await fetch(`${farm.url}/workers`);
  assert.is(workers.status, 401, 'the JSON worker list still needs the admin token');
});

test('the pages ran without script errors or blocked resources', () => {
  assert.equal(problems, []);
});

test.run();
