/**
 * What the rehearsal drives through the farm's public URL once it is up: real packages, each on a
 * pool of its own (the pools run side by side, as the cloud's would), a publish and an
 * `install.packages()` from the farm's repository, a cancel, and a worker container killed in the
 * middle of a build. Each scenario returns whether it held and what was seen.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { packPackage, paddedSpec } from '../../bench/bench-packages.ts';
import { documentedHello, packages, type PackageSpec } from '../../test/support/r-packages.ts';
import { publicRequest } from './load-balancer.ts';

/** The outcome of one scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly held: boolean;
  readonly detail: string;
}

/** How scenarios reach the farm. */
export interface FarmAccess {
  /** Loopback address of the control plane's balancer. */
  readonly balancer: string;
  readonly domain: string;
  readonly ca: string;
  readonly adminToken: string;
  /** R with the farm's names and CA: runs an R expression as a user's machine would. */
  readonly runR: (expression: string) => Promise<{ code: number; output: string }>;
  /** Kills the worker containers of a platform's builders (each comes back after its unit's RestartSec). */
  readonly killBuilder: (platformId: string) => Promise<void>;
}

const TERMINAL = ['DONE', 'FAILED', 'CANCELLED', 'TIMEOUT'];

/** A build as `/jobs/info` shows it (the fields read here). */
interface BuildView {
  readonly platform: string;
  readonly status: string;
  readonly check_status?: string;
}

/** An answer of the API: status and parsed JSON body. */
interface ApiAnswer {
  readonly status: number;
  readonly body: { id?: string; builds?: BuildView[]; text?: string } & Record<string, unknown>;
}

async function api(farm: FarmAccess, method: string, path: string, body?: Buffer, admin = false): Promise<ApiAnswer> {
  const headers: Record<string, string> = body ? { 'content-type': 'application/gzip' } : {};
  if (admin) headers.authorization = `Bearer ${farm.adminToken}`;
  const response = await publicRequest(farm.balancer, farm.domain, farm.ca, method, path, body, headers);
  let parsed: ApiAnswer['body'];
  try {
    parsed = JSON.parse(response.text);
  } catch {
    parsed = { text: response.text.slice(0, 300) };
  }
  return { status: response.status, body: parsed };
}

async function submit(farm: FarmAccess, spec: PackageSpec, platform: string, extra = ''): Promise<string> {
  const answer = await api(farm, 'PUT', `/jobs/submit/tarball?platform=${platform}${extra}`, packPackage(spec), extra.includes('publish'));
  if (answer.status !== 202) throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer.body.id as string;
}

async function waitFor(farm: FarmAccess, id: string, done: (build: BuildView) => boolean, timeoutMs: number): Promise<BuildView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await api(farm, 'GET', `/jobs/info/${id}`).catch(() => null);
    const build = info?.body?.builds?.[0];
    if (build && done(build)) return build;
    if (Date.now() > deadline) throw new Error(`job ${id} stayed ${build?.status ?? 'unknown'} for ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const finished = (build: BuildView) => TERMINAL.includes(build.status);

async function scenario(name: string, body: () => Promise<string>): Promise<ScenarioResult> {
  try {
    return { name, held: true, detail: await body() };
  } catch (error) {
    return { name, held: false, detail: (error as Error).message.split('\n')[0].slice(0, 200) };
  }
}

function checkPassed(build: BuildView): void {
  if (build.status !== 'DONE' || !['OK', 'NOTE'].includes(build.check_status ?? 'OK'))
    throw new Error(`ended ${build.status} ${build.check_status ?? ''}`.trim());
}

/** A package whose C code links GNU GSL: the builder must install libgsl-dev first. */
function gslPackage(): PackageSpec {
  return {
    name: 'gslpkg',
    fields: { SystemRequirements: 'GNU GSL' },
    files: {
      NAMESPACE: 'useDynLib(gslpkg, .registration = TRUE)\nexport(bessel0)\n',
      'R/bessel.R': 'bessel0 <- function(x) .Call(C_bessel0, as.numeric(x))\n',
      'src/Makevars': 'PKG_LIBS = -lgsl -lgslcblas -lm\n',
      'src/bessel.c': [
        '#include <R.h>',
        '#include <Rinternals.h>',
        '#include <R_ext/Rdynload.h>',
        '#include <gsl/gsl_sf_bessel.h>',
        'SEXP bessel0(SEXP x) { return ScalarReal(gsl_sf_bessel_J0(asReal(x))); }',
        'static const R_CallMethodDef calls[] = {{"C_bessel0", (DL_FUNC) &bessel0, 1}, {NULL, NULL, 0}};',
        'void R_init_gslpkg(DllInfo *dll) { R_registerRoutines(dll, NULL, calls, NULL, NULL); R_useDynamicSymbols(dll, FALSE); }',
        '',
      ].join('\n'),
      'man/bessel0.Rd':
        '\\name{bessel0}\n\\alias{bessel0}\n\\title{Bessel J0}\n\\usage{bessel0(x)}\n\\arguments{\\item{x}{a number}}\n\\value{J0(x)}\n\\description{GSL.}\n\\examples{bessel0(1)}\n',
    },
  };
}

/** Runs every scenario; `platforms` are the pools to use, in order of preference (one per scenario when there are enough). */
export async function runScenarios(farm: FarmAccess, platforms: readonly string[]): Promise<ScenarioResult[]> {
  const pick = (index: number) => platforms[index % platforms.length];
  const build = (name: string, index: number, spec: PackageSpec, expect: (build: BuildView, output: string) => string) =>
    scenario(name, async () => {
      const id = await submit(farm, spec, pick(index));
      const build = await waitFor(farm, id, finished, 600_000);
      const output = (await publicRequest(farm.balancer, farm.domain, farm.ca, 'GET', `/jobs/output/${id}`)).text;
      return expect(build, output);
    });
  const suffix = randomBytes(2).toString('hex');
  const results = await Promise.all([
    build('C package checks', 0, packages.withC(), (b) => (checkPassed(b), `${pick(0)}: DONE`)),
    build('package over 3 MB uploads and checks', 1, paddedSpec(3_500_000, `bigpkg${suffix}`), (b) => (checkPassed(b), `${pick(1)}: 3.5 MB, DONE`)),
    build('system library installed (GSL)', 2, gslPackage(), (b, output) => {
      checkPassed(b);
      if (!/libgsl/.test(output)) throw new Error('the output names no libgsl install');
      return `${pick(2)}: libgsl-dev installed by the agent, DONE`;
    }),
    scenario('publish, then install.packages() from the repository', async () => {
      const name = `pubpkg${suffix}`;
      const id = await submit(farm, { name, files: { ...documentedHello } }, pick(3), '&publish=true');
      checkPassed(await waitFor(farm, id, finished, 600_000));
      const deadline = Date.now() + 120_000;
      let state = '';
      while (Date.now() < deadline) {
        const publications = await api(farm, 'GET', `/repository/publications/${id}`);
        state = JSON.stringify(publications.body).slice(0, 200);
        if (/"published"/.test(state)) break;
        if (/"(refused|failed)"/.test(state)) throw new Error(`publication: ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      if (!/"published"/.test(state)) throw new Error(`not published in 120 s: ${state}`);
      // The index may follow the publication record by a moment: wait for PACKAGES to list it, and say how long it took.
      const publishedAt = Date.now();
      while (!(await publicRequest(farm.balancer, farm.domain, farm.ca, 'GET', '/repo/src/contrib/PACKAGES')).text.includes(`Package: ${name}\n`)) {
        if (Date.now() - publishedAt > 60_000) throw new Error('published, but src/contrib/PACKAGES did not list it within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const indexLag = Math.round((Date.now() - publishedAt) / 1000);
      const installed = await farm.runR(
        `lib <- tempfile(); dir.create(lib); install.packages("${name}", repos = "https://${farm.domain}/repo", type = "source", lib = lib); library(${name}, lib.loc = lib); stopifnot(hello() == "hello world"); cat("INSTALLED\\n")`,
      );
      if (installed.code !== 0 || !installed.output.includes('INSTALLED'))
        throw new Error(
          `install.packages failed: ${installed.output
            .split('\n')
            .filter((line) => /warning|cannot|not available|error|status/i.test(line))
            .slice(0, 4)
            .join(' | ')}`,
        );
      return `${pick(3)}: published (in the index ${indexLag} s after the record said so), installed with install.packages() over HTTPS`;
    }),
    scenario('cancel a running build', async () => {
      const id = await submit(farm, packages.slow(300, `cancelpkg${suffix}`), pick(4));
      await waitFor(farm, id, (b) => b.status === 'RUNNING' || finished(b), 600_000);
      const answer = await api(farm, 'DELETE', `/jobs/${id}`);
      if (answer.status !== 200) throw new Error(`DELETE answered ${answer.status}`);
      const ended = await waitFor(farm, id, finished, 120_000);
      if (ended.status !== 'CANCELLED') throw new Error(`ended ${ended.status}`);
      return `${pick(4)}: CANCELLED`;
    }),
    scenario('worker containers killed mid-build: build redelivered and done', async () => {
      const id = await submit(farm, packages.slow(20, `killpkg${suffix}`), pick(5));
      await waitFor(farm, id, (b) => b.status === 'RUNNING' || finished(b), 600_000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await farm.killBuilder(pick(5));
      const ended = await waitFor(farm, id, finished, 600_000);
      checkPassed(ended);
      return `${pick(5)}: killed while RUNNING, restarted by its unit, DONE after redelivery`;
    }),
  ]);
  return results;
}

/**
 * `Rscript -e` in a container of the stand-in image, with the farm's names and CA (as a user's
 * machine with the farm's CA would). Asynchronous: the balancers it reaches live in this process.
 */
export function rInContainer(image: string, hosts: readonly string[], caFile: string): (expression: string) => Promise<{ code: number; output: string }> {
  return (expression) =>
    new Promise((resolve) => {
      const child = spawn(
        'docker',
        [
          'run',
          '--rm',
          '--network',
          'host',
          ...hosts.flatMap((entry) => ['--add-host', entry]),
          '--volume',
          `${caFile}:/farm-ca.pem:ro`,
          '--env',
          'CURL_CA_BUNDLE=/farm-ca.pem',
          image,
          'Rscript',
          '-e',
          expression,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, output });
      });
    });
}
