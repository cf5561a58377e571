/**
 * Container platform overhead: submit → DONE of a tiny real package on a container platform (A)
 * against a bare `R CMD build --no-manual` + `R CMD check --no-manual` of the same package inside
 * the same image (B: `docker exec` into an idle container of it, no network), alternating A B after
 * one unmeasured pair. Builds the image first when it is missing (not timed).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findPlatform, hasImage } from '../../images/index.ts';
import { containerAgentEnv, PlatformContainer } from '../../scripts/platform-containers.ts';
import { preparePlatformImages } from '../../scripts/platform-setup.ts';
import { packPackage, tinySpec } from '../bench-packages.ts';
import { median, nowMs, ratio, round } from '../statistics.ts';
import type { BenchContext, Scenario } from './scenario.ts';

const run = promisify(execFile);
const PAIRS = { full: 5, quick: 2 };
const PLATFORM = 'r-4-5-linux-x86_64-debian-13-gcc';

/** The check's environment as the agent gives it (images/agent/build-runner.ts), as `docker exec -e` flags. */
const CHECK_ENV = [
  'LANG=C.UTF-8',
  'NOT_CRAN=true',
  '_R_CHECK_FORCE_SUGGESTS_=false',
  '_R_CHECK_CRAN_INCOMING_=false',
  '_R_CHECK_CRAN_INCOMING_REMOTE_=false',
].flatMap((pair) => ['-e', pair]);

/** B: build and check inside the idle container; throws unless the check says Status: OK. */
async function bareRun(container: string, name: string): Promise<number> {
  const script = [
    'set -e',
    'dir=$(mktemp -d)',
    'cd "$dir"',
    'tar -xzf /bench/pkg.tar.gz',
    `R CMD build --no-manual ${name} >/dev/null`,
    `R CMD check --no-manual ${name}_0.1.0.tar.gz >/dev/null`,
    `grep -q "Status: OK" ${name}.Rcheck/00check.log`,
    'rm -rf "$dir"',
  ].join('\n');
  const started = nowMs();
  await run('docker', ['exec', ...CHECK_ENV, '-e', 'HOME=/tmp', container, 'sh', '-c', script], { maxBuffer: 16 * 1024 * 1024 });
  return nowMs() - started;
}

export const containerOverhead: Scenario = {
  name: 'container-overhead',
  summary: `submit → DONE of a tiny package on ${PLATFORM} vs bare R CMD build + check in the same image, alternating A B`,
  async run({ farm, size, log }: BenchContext) {
    const platform = findPlatform(PLATFORM);
    if (!platform || !hasImage(platform)) throw new Error(`${PLATFORM} is not in the catalogue`);
    const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-bench-container-'));
    const name = 'benchtiny';
    writeFileSync(join(dataDir, 'pkg.tar.gz'), packPackage(tinySpec(name)));
    const images = await preparePlatformImages({ farmPlatforms: PLATFORM, dataDir, log });
    const image = [...images.values()][0];
    // The container's agent needs its platform's own NATS credentials, as in the local farm.
    const agentEnv = containerAgentEnv(
      { agentEnv: farm.local.options.agentEnv ?? {}, farmDataDir: dataDir, natsCredsFor: farm.local.natsAuth.agentCreds },
      PLATFORM,
    );
    const agent = new PlatformContainer({ platform, image, agentEnv, farmDataDir: dataDir, workerId: 'bench-container' });
    const idle = `rfarm-bench-idle-${process.pid}`;
    const before = (await farm.liveWorkers()).length;
    try {
      agent.start();
      await farm.waitForLiveWorkers(before + 1, 120_000);
      await run('docker', [
        'run',
        '-d',
        '--rm',
        '--name',
        idle,
        '--network',
        'none',
        '-v',
        `${join(dataDir, 'pkg.tar.gz')}:/bench/pkg.tar.gz:ro`,
        image,
        'sleep',
        'infinity',
      ]);
      const tarball = packPackage(tinySpec(name));
      const farmRun = async () => {
        const started = nowMs();
        const jobId = await farm.submit(tarball, PLATFORM);
        const build = await farm.waitForBuild(jobId, PLATFORM, undefined, 600_000);
        if (build.status !== 'DONE' || build.result?.status !== 'OK')
          throw new Error(`the container's check of ${name} ended ${build.status}/${build.result?.status}: ${build.reason ?? ''}`);
        return nowMs() - started;
      };
      await farmRun();
      await bareRun(idle, name);
      const farmMs: number[] = [];
      const bareMs: number[] = [];
      for (let pair = 0; pair < PAIRS[size]; pair++) {
        farmMs.push(await farmRun());
        bareMs.push(await bareRun(idle, name));
        log(`container-overhead: pair ${pair + 1}/${PAIRS[size]}: farm ${Math.round(farmMs.at(-1)!)} ms, bare ${Math.round(bareMs.at(-1)!)} ms`);
      }
      return {
        rows: [
          {
            key: 'container_overhead_ratio',
            label: 'container platform / bare in the same image',
            value: round(ratio(median(farmMs), median(bareMs)), 3),
            unit: '×',
            target: { op: '<=', value: 1.1 },
          },
          { key: 'container_overhead_farm_ms', label: 'farm: submit → DONE (median)', value: round(median(farmMs), 0), unit: 'ms' },
          { key: 'container_overhead_bare_ms', label: 'bare: docker exec R CMD build + check (median)', value: round(median(bareMs), 0), unit: 'ms' },
        ],
        notes: [`${PAIRS[size]} measured A B pairs after one warm-up pair; ratio of medians; the farm also runs R CMD INSTALL --build, the bare run does not`],
      };
    } finally {
      await agent.stop();
      await run('docker', ['rm', '--force', idle]).catch(() => undefined);
      await farm.waitForLiveWorkers(before, 60_000).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
