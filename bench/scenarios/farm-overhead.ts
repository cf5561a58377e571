/**
 * Farm overhead: submit → DONE of a tiny real package (A) against a bare `R CMD build --no-manual`
 * + `R CMD check --no-manual` of the same package in a temporary directory (B), alternating
 * A B A B after one unmeasured pair. The bare run uses the environment the agent gives the check
 * (images/agent/build-runner.ts) minus the sandbox. It also times what the farm does that the bare
 * run does not — `R CMD INSTALL --build` and starting the sandbox — so a miss can be attributed.
 * The bare run has no network either (`unshare --net`, when allowed): R CMD check looks up the
 * CRAN index, which fails at once without a network but can wait on DNS on a firewalled host.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { standaloneSandboxHost } from '../../images/agent/sandbox-host.ts';
import { runSandboxed } from '../../images/agent/sandboxed-process.ts';
import { packPackage, tinySpec, writePackage } from '../bench-packages.ts';
import { median, nowMs, ratio, round } from '../statistics.ts';
import type { BenchContext, Scenario } from './scenario.ts';

const run = promisify(execFile);
const PAIRS = { full: 5, quick: 2 };
const SANDBOX_PROBES = 20;

/** What one bare run took, step by step, in ms. */
interface BareTiming {
  readonly build: number;
  readonly check: number;
  readonly install: number;
}

function checkEnvironment(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: join(dir, 'home'),
    TMPDIR: join(dir, 'tmp'),
    LANG: 'C.UTF-8',
    R_LIBS_USER: join(dir, 'lib'),
    R_LIBS: join(dir, 'lib'),
    // Nothing else: the farm's check environment is a bare R CMD check's (images/agent/check-environment.ts).
  };
}

/** `unshare --net` when this user may (root); otherwise the bare run keeps the host's network. */
async function networkIsolation(): Promise<string[]> {
  return run('unshare', ['--net', 'true']).then(
    () => ['unshare', '--net'],
    () => [],
  );
}

/** B: the bare steps, timed one by one; throws unless the check says Status: OK. */
async function bareRun(name: string, prefix: readonly string[]): Promise<BareTiming> {
  const spec = tinySpec(name);
  const dir = writePackage(spec);
  try {
    for (const sub of ['home', 'tmp', 'lib', 'binlib']) mkdirSync(join(dir, sub));
    const options = { cwd: dir, env: checkEnvironment(dir), maxBuffer: 16 * 1024 * 1024 };
    const tarball = `${name}_0.1.0.tar.gz`;
    const r = (...args: string[]) => (prefix.length ? run(prefix[0], [...prefix.slice(1), 'R', ...args], options) : run('R', args, options));
    const t0 = nowMs();
    await r('CMD', 'build', '--no-manual', name);
    const t1 = nowMs();
    await r('CMD', 'check', '--no-manual', tarball);
    const t2 = nowMs();
    const log = readFileSync(join(dir, `${name}.Rcheck`, '00check.log'), 'utf8');
    if (!/Status: OK/.test(log)) throw new Error(`the bare check of ${name} was not OK:\n${log.slice(-1500)}`);
    await r('CMD', 'INSTALL', '--build', '-l', 'binlib', tarball);
    const t3 = nowMs();
    return { build: t1 - t0, check: t2 - t1, install: t3 - t2 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median time to start the agent's sandbox and run `true` in it. */
async function sandboxStartMs(): Promise<number> {
  const jobDir = mkdtempSync(join(tmpdir(), 'rfarm-bench-sandbox-'));
  chmodSync(jobDir, 0o711);
  try {
    const host = await standaloneSandboxHost(join(jobDir, 'agent'));
    const spec = { jobDir, command: ['true'], env: { PATH: '/usr/bin:/bin' }, system: host.system, identity: host.buildIdentity, limits: host.limits };
    const limits = { deadline: Date.now() + 600_000, silenceMs: 60_000, outputLimitBytes: 1_000_000, cancel: new AbortController().signal };
    const sink = { write: () => undefined, bytes: 0 };
    const samples: number[] = [];
    for (let index = 0; index < SANDBOX_PROBES; index++) {
      const started = nowMs();
      const outcome = await runSandboxed(spec, limits, sink, host.guards);
      if (outcome.exitCode !== 0) throw new Error(`the sandbox did not start: ${outcome.tail}`);
      samples.push(nowMs() - started);
    }
    return median(samples);
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
  }
}

export const farmOverhead: Scenario = {
  name: 'overhead',
  summary: 'submit → DONE of a tiny package vs bare R CMD build + check, alternating A B',
  async run({ farm, size, log }: BenchContext) {
    const name = 'benchtiny';
    const tarball = packPackage(tinySpec(name));
    const isolation = await networkIsolation();
    const farmRun = async () => {
      const started = nowMs();
      const jobId = await farm.submit(tarball);
      const build = await farm.waitForBuild(jobId);
      const elapsed = nowMs() - started;
      if (build.status !== 'DONE' || build.result?.status !== 'OK')
        throw new Error(`the farm's check of ${name} ended ${build.status}/${build.result?.status}: ${build.reason ?? ''}`);
      return { elapsed, working: Date.parse(build.finishedAt!) - Date.parse(build.checkStartedAt!) };
    };
    await farmRun();
    await bareRun(name, isolation);
    const farmMs: number[] = [];
    const farmWorkMs: number[] = [];
    const bare: BareTiming[] = [];
    for (let pair = 0; pair < PAIRS[size]; pair++) {
      const measured = await farmRun();
      farmMs.push(measured.elapsed);
      farmWorkMs.push(measured.working);
      bare.push(await bareRun(name, isolation));
      log(
        `overhead: pair ${pair + 1}/${PAIRS[size]}: farm ${Math.round(measured.elapsed)} ms, bare build+check ${Math.round(bare.at(-1)!.build + bare.at(-1)!.check)} ms`,
      );
    }
    const bareMs = median(bare.map((timing) => timing.build + timing.check));
    const installMs = median(bare.map((timing) => timing.install));
    const farmMedian = median(farmMs);
    return {
      rows: [
        {
          key: 'overhead_ratio',
          label: 'farm / bare (build + check)',
          value: round(ratio(farmMedian, bareMs), 3),
          unit: '×',
          target: { op: '<=', value: 1.1 },
        },
        { key: 'overhead_farm_ms', label: 'farm: submit → DONE (median)', value: round(farmMedian, 0), unit: 'ms' },
        { key: 'overhead_bare_ms', label: 'bare: R CMD build + check (median)', value: round(bareMs, 0), unit: 'ms' },
        { key: 'overhead_farm_extra_ms', label: 'farm − bare', value: round(farmMedian - bareMs, 0), unit: 'ms' },
        { key: 'overhead_farm_work_ms', label: '  farm: check started → finished (median)', value: round(median(farmWorkMs), 0), unit: 'ms' },
        { key: 'overhead_bare_install_ms', label: '  bare: R CMD INSTALL --build (the farm does it too)', value: round(installMs, 0), unit: 'ms' },
        {
          key: 'overhead_ratio_same_steps',
          label: '  farm / bare (build + check + INSTALL --build)',
          value: round(ratio(farmMedian, bareMs + installMs), 3),
          unit: '×',
        },
        { key: 'overhead_sandbox_start_ms', label: '  sandbox start (bwrap true), per step', value: round(await sandboxStartMs(), 1), unit: 'ms' },
      ],
      notes: [
        `${PAIRS[size]} measured A B pairs after one warm-up pair; ratio of medians`,
        isolation.length
          ? 'bare run without network (unshare --net), like the sandbox'
          : 'bare run WITH the host network (unshare --net not allowed): its CRAN index lookup may wait on DNS',
      ],
    };
  },
};
