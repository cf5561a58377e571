/** The `rfarm` command as a person runs it, against a real local farm with real R checks. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestFarm } from '../support/farm.ts';
import { packTarball, packages, writePackage } from '../support/r-packages.ts';

const RFARM = fileURLToPath(new URL('../../cli/rfarm.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rfarm` with stdin not a terminal; `whenStderr` lets a test act once stderr says something. */
function rfarm(args: string[], env: Record<string, string> = {}, whenStderr?: { match: RegExp; then: (pid: number) => void }, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RFARM, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let acted = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (whenStderr && !acted && whenStderr.match.test(stderr)) {
        acted = true;
        whenStderr.then(child.pid!);
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const farm = await startTestFarm({ workers: 2 });
await farm.waitForWorkers(2);
const server = { RFARM_SERVER: farm.url };
const files = mkdtempSync(join(tmpdir(), 'rfarm-cli-'));
const failing = join(files, 'failpkg_0.1.0.tar.gz');
writeFileSync(failing, packTarball(packages.failingTests()));
const slow = join(files, 'slowpkg_0.1.0.tar.gz');
writeFileSync(slow, packTarball(packages.slow(300)));

// Both checks run at once on the two workers; the tests below read their results.
const passingRun = rfarm(['submit', join(writePackage(packages.ok()), 'okpkg'), '--follow'], server);
const failingRun = rfarm(['submit', failing, '--follow', '--json'], server);

test.after(async () => {
  await farm.cleanup();
});

test('submit --follow builds a package directory with R CMD build, streams its output and exits 0 when OK', async () => {
  const run = await passingRun;
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stderr, /built okpkg_0\.1\.0\.tar\.gz/);
  assert.match(run.stderr, new RegExp(`submitted okpkg_0\\.1\\.0\\.tar\\.gz: ${farm.url}/status/[0-9a-f]{32}`));
  assert.match(run.stderr, /r-patched-linux-x86_64-debian-12-gcc RUNNING/);
  assert.match(run.stdout, /\* checking examples \.\.\. OK/);
  assert.match(run.stdout, /okpkg 0\.1\.0: DONE, worst result OK/);
});

test('submit --follow on a package whose tests fail exits 1, and --json prints the final job', async () => {
  const run = await failingRun;
  assert.is(run.code, 1, run.stderr);
  const info = JSON.parse(run.stdout);
  assert.is(info.result, 'ERROR');
  assert.is(info.builds[0].status, 'DONE');
  assert.match(info.builds[0].result.items[0].text, /deliberate test failure 7f3a/);
});

test('the read commands print JSON that parses', async () => {
  const id = JSON.parse((await failingRun).stdout).id;
  const status = await rfarm(['status', id, '--json'], server);
  assert.is(status.code, 0, status.stderr);
  assert.is(JSON.parse(status.stdout).id, id);
  const output = await rfarm(['output', id, '--json'], server);
  assert.match(JSON.parse(output.stdout)[0].output, /deliberate test failure 7f3a/);
  const followed = await rfarm(['output', id, '--follow', '--json'], server);
  assert.is(followed.code, 0, followed.stderr);
  const chunks = followed.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.match(chunks.map((chunk) => chunk.text).join(''), /deliberate test failure 7f3a/);
  const platforms = JSON.parse((await rfarm(['platforms', '--json'], server)).stdout);
  assert.ok(platforms.some((platform: any) => platform.live_workers === 2));
  const workers = await rfarm(['workers', '--json'], { ...server, RFARM_TOKEN: farm.options.adminToken });
  assert.is(JSON.parse(workers.stdout).length, 2);
  const dir = join(files, 'downloads');
  const download = await rfarm(['download', id, '--dir', dir, '--json'], server);
  assert.is(download.code, 0, download.stderr);
  const saved = JSON.parse(download.stdout);
  const log = saved.find((artifact: any) => artifact.name === '00check.log');
  assert.is(log.path, join(dir, 'r-patched-linux-x86_64-debian-12-gcc', '00check.log'));
  assert.match(readFileSync(log.path, 'utf8'), /Status: 1 ERROR/);
});

test('a status URL works in place of an id, and names the farm', async () => {
  const id = JSON.parse((await failingRun).stdout).id;
  const run = await rfarm(['status', `${farm.url}/status/${id}`]);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /failpkg 0\.1\.0: DONE, worst result ERROR/);
  assert.match(run.stdout, /ERROR checking tests/);
});

test('Ctrl-C while following exits 130 and, with no terminal to ask on, says how to cancel; rfarm cancel does', async () => {
  const run = await rfarm(['submit', slow, '--follow'], server, { match: /RUNNING/, then: (pid) => process.kill(pid, 'SIGINT') });
  assert.is(run.code, 130, run.stderr);
  const id = /status\/([0-9a-f]{32})/.exec(run.stderr)![1];
  assert.match(run.stderr, new RegExp(`To cancel it: rfarm cancel ${id}`));
  const cancel = await rfarm(['cancel', id, '--json'], server);
  assert.is(cancel.code, 0, cancel.stderr);
  assert.is(JSON.parse(cancel.stdout).builds[0].status, 'CANCELLED');
});

test("an unknown job shows the farm's message in one line, not a stack trace", async () => {
  const run = await rfarm(['status', '0123456789abcdef0123456789abcdef'], server);
  assert.is(run.code, 2);
  assert.is(run.stderr, "rfarm: no job with id '0123456789abcdef0123456789abcdef': check the URL you were given at submission\n");
  assert.is(run.stdout, '');
});

test('workers without the admin token says how to give it', async () => {
  const run = await rfarm(['workers'], server);
  assert.is(run.code, 2);
  assert.match(run.stderr, /^rfarm: rfarm workers needs the admin token: pass --token or set RFARM_TOKEN/);
});

test('a farm that is down gives one clear line and exit 2', async () => {
  // A port that was free a moment ago: nothing listens there.
  const listener = createServer();
  await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
  const port = (listener.address() as { port: number }).port;
  await new Promise((done) => listener.close(done));
  const run = await rfarm(['platforms', '--server', `http://127.0.0.1:${port}`]);
  assert.is(run.code, 2);
  assert.is(run.stderr.trim().split('\n').length, 1);
  assert.ok(run.stderr.startsWith(`rfarm: cannot reach the farm at http://127.0.0.1:${port} (ECONNREFUSED): is it running?`), run.stderr);
});

test('submit --as-cran --env --check-args: the output starts with that command and environment, and status shows them', async () => {
  const run = await rfarm(
    ['submit', join(writePackage(packages.ok('optpkg')), 'optpkg'), '--as-cran', '--check-args', '--no-examples --timings', '--env', 'TZ=UTC', '--follow'],
    server,
  );
  assert.is(run.code, 0, run.stderr + run.stdout);
  assert.match(
    run.stdout,
    /^>>> rfarm: check command: env -i .* TZ=UTC R CMD check --no-manual --install-args=--build --as-cran --no-examples --timings optpkg_0\.1\.0\.tar\.gz$/m,
  );
  assert.match(run.stdout, /^>>> rfarm: check environment: TZ=UTC \(job\)$/m);
  assert.match(run.stdout, /^>>> rfarm: network: none/m);
  const id = /status\/([0-9a-f]{32})/.exec(run.stderr)![1];
  const status = await rfarm(['status', id], server);
  assert.ok(
    status.stdout.includes(
      'Checked with:\n  r-patched-linux-x86_64-debian-12-gcc:\n    command      R CMD check --no-manual --install-args=--build --as-cran --no-examples --timings optpkg_0.1.0.tar.gz\n    environment  TZ=UTC (job)\n    network      none',
    ),
    status.stdout,
  );
});

test('platforms lists the live platforms first', async () => {
  const run = await rfarm(['platforms'], server);
  const rows = run.stdout.trim().split('\n');
  assert.match(rows[1], /^r-patched-linux-x86_64-debian-12-gcc\s+2\s/);
});

test('/platforms lists the live platform first too, as JSON and as the page', async () => {
  const json = (await (await fetch(`${farm.url}/platforms`)).json()) as Array<{ id: string; live_workers: number }>;
  assert.equal([json[0].id, json[0].live_workers], ['r-patched-linux-x86_64-debian-12-gcc', 2]);
  assert.ok(json.slice(1).every((entry) => entry.live_workers === 0));
  const page = await (await fetch(`${farm.url}/platforms`, { headers: { accept: 'text/html' } })).text();
  const rows = [...page.matchAll(/<span class="platform-id">([^<]+)<\/span>/g)].map((match) => match[1]);
  assert.is(rows[0], 'r-patched-linux-x86_64-debian-12-gcc');
  assert.is(rows.length, json.length);
});

test('submit --publish with the token, --revdeps-which and --revdeps-platform reach the farm as the API options', async () => {
  const run = await rfarm(['submit', failing, '--publish', '--revdeps-which', 'most', '--revdeps-platform', 'r-devel-windows-x86_64', '--json'], {
    ...server,
    RFARM_TOKEN: farm.options.adminToken,
  });
  assert.is(run.code, 0, run.stderr);
  const id = (JSON.parse(run.stdout) as { id: string }).id;
  const info = (await (await fetch(`${farm.url}/jobs/info/${id}`)).json()) as { publish: boolean };
  assert.is(info.publish, true);
  const summary = (await (await fetch(`${farm.url}/jobs/${id}/cran-summary`)).json()) as { revdeps: { platform: string; which: string } };
  assert.equal([summary.revdeps.platform, summary.revdeps.which], ['r-devel-windows-x86_64', 'most']);
  await rfarm(['cancel', id], server);
});

test('a build for a platform no worker serves says so', async () => {
  const run = await rfarm(['submit', failing, '--platform', 'r-devel-windows-x86_64'], server);
  assert.is(run.code, 0, run.stderr);
  const id = /status\/([0-9a-f]{32})/.exec(run.stdout)![1];
  const status = await rfarm(['status', id], server);
  assert.match(status.stdout, /r-devel-windows-x86_64\s+QUEUED\s+-\s+\S+\s+no worker serves this platform: the build waits until one joins/);
  await rfarm(['cancel', id], server);
});

test('without --server, rfarm finds the local farm npm start runs from this directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfarm-cwd-'));
  mkdirSync(join(dir, '.farm'));
  writeFileSync(join(dir, '.farm', 'url'), `${farm.url}\n`);
  const run = await rfarm(['platforms', '--json'], {}, undefined, dir);
  assert.is(run.code, 0, run.stderr);
  assert.ok(JSON.parse(run.stdout).length > 0);
});

test('submit options a person gets wrong are refused in one line before anything is sent', async () => {
  const publish = await rfarm(['submit', failing, '--publish'], server);
  assert.is(publish.code, 2);
  assert.match(publish.stderr, /^rfarm: rfarm submit --publish needs the admin token/);
  const env = await rfarm(['submit', failing, '--env', 'NOT_CRAN'], server);
  assert.is(env.code, 2);
  assert.is(env.stderr, 'rfarm: --env NOT_CRAN: write NAME=VALUE, e.g. --env _R_CHECK_FORCE_SUGGESTS_=false\n');
  const refused = await rfarm(['submit', failing, '--env', 'LD_PRELOAD=/x.so'], server);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /^rfarm: environment variable 'LD_PRELOAD' may not be set for a check; allowed: /);
  const mail = await rfarm(['submit', failing, '--email', 'me@example.org'], server);
  assert.is(mail.code, 2);
  assert.match(mail.stderr, /^rfarm: this farm sends no e-mail/);
  const which = await rfarm(['submit', failing, '--revdeps-which', 'all'], server);
  assert.is(which.code, 2);
  assert.is(which.stderr, 'rfarm: --revdeps-which all: write strong (Depends, Imports, LinkingTo) or most (Suggests too)\n');
  const platform = await rfarm(['submit', failing, '--revdeps-platform', 'nope'], server);
  assert.is(platform.code, 2);
  assert.match(platform.stderr, /^rfarm: revdeps_platform 'nope' is unknown; known platforms: /);
});

test('a wrong command line is refused with a pointer to --help', async () => {
  const run = await rfarm(['submit'], server);
  assert.is(run.code, 2);
  assert.match(run.stderr, /rfarm submit takes <pkg\.tar\.gz \| package-dir> \(see rfarm --help\)/);
  assert.ok(existsSync(RFARM));
});

test.run();
