/**
 * Full disks: a real nats-server keeps its JetStream store on a small tmpfs. As the farm fills it
 * (uploads), and as something else fills it, new work is refused with a clear 503 storage_full (the
 * API, and `rfarm submit` in one line), while every job accepted before still finishes with its
 * output and artifacts. A JetStream store's own size limit (FARM_OBJECTS_MAX_BYTES) is refused the
 * same way, before it is reached; and when a store fills anyway, accepted builds still end with their result and logs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectFarm } from '../../protocol/index.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { documentedHello, packTarball } from '../support/r-packages.ts';
import { testUnless } from '../support/skip.ts';

const RFARM = fileURLToPath(new URL('../../cli/rfarm.js', import.meta.url));
const MiB = 1024 * 1024;
// nats-server's own store size is set past the tmpfs: the file system is what runs out.
const GiB = 1024 * MiB;
// A catalogue platform this host (Debian 12, R 4.2) serves: known to the farm before any agent runs.
const PLATFORM = 'r-4-2-linux-x86_64-debian-12-gcc';

/** Why tmpfs cannot be mounted here, or undefined when it can. */
const cannotMount = (() => {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'rfarm-mount-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
  if (mounted.status === 0) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted.status === 0 ? undefined : `mount -t tmpfs failed: ${mounted.stderr}`;
})();

/** A package of about `megabytes` MB that does not compress. */
function bulkyPackage(name: string, megabytes: number): Buffer {
  return packTarball({ name, files: { ...documentedHello, 'inst/extdata/blob.txt': randomBytes(Math.round(megabytes * MiB * 0.75)).toString('base64') } });
}

/** A data directory whose NATS store is a tmpfs of `sizeMiB`; cleaned up by the returned function. */
function smallStore(sizeMiB: number): { dataDir: string; store: string; remove(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-full-disk-'));
  const store = join(dataDir, 'nats');
  mkdirSync(store);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', store]);
  return {
    dataDir,
    store,
    remove: () => {
      spawnSync('umount', ['-l', store]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A farm whose NATS store is a tmpfs of `sizeMiB` (its own store size set past it), with no agent
 * yet: what is accepted waits in the store until the test adds one.
 */
async function farmOnSmallStore(sizeMiB: number, controlPlaneEnv: Record<string, string>) {
  const disk = smallStore(sizeMiB);
  const farm = await startTestFarm({ dataDir: disk.dataDir, natsMaxStoreBytes: GiB, workers: 0, agentEnv: { FARM_PLATFORM: PLATFORM }, controlPlaneEnv }).catch(
    (error: Error) => {
      disk.remove();
      throw error;
    },
  );
  return { disk, farm };
}

const freeBytes = (dir: string) => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
};

/** Every accepted job finished DONE, with its check in the output and every artifact downloadable. */
async function assertFinishedWhole(farm: { url: string }, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const info = await waitForJob(farm, id, 400_000);
    const build = info.builds[0];
    assert.is(build.status, 'DONE', `${id}: ${JSON.stringify(build)}`);
    assert.match(await output(farm, id), /\* checking for file/, `${id}: the output holds the check`);
    assert.ok(build.artifacts.length >= 3, `${id}: artifacts ${JSON.stringify(build.artifacts)}`);
    for (const artifact of build.artifacts) {
      const response = await fetch(`${farm.url}/jobs/${id}/artifacts/${encodeURIComponent(artifact.name)}`);
      const body = Buffer.from(await response.arrayBuffer());
      assert.is(response.status, 200, `${id}/${artifact.name}`);
      assert.is(body.length, artifact.size, `${id}/${artifact.name}`);
    }
  }
}

testUnless(
  cannotMount,
  'a filling NATS store: new work gets 503 storage_full (API and rfarm), every accepted job still finishes whole, and work is taken again once there is room',
  async () => {
    const { disk, farm } = await farmOnSmallStore(128, { FARM_MIN_FREE_STORE_BYTES: String(16 * MiB), FARM_STORE_RESERVE_PER_BUILD_BYTES: String(12 * MiB) });
    const platform = `platform=${PLATFORM}`;
    try {
      const accepted: string[] = [];
      let refused: { status: number; body: any } | null = null;
      for (let index = 0; index < 40 && !refused; index++) {
        const answer = await submit(farm, bulkyPackage(`bulky${index}`, 5), platform);
        if (answer.status === 202) accepted.push(answer.body.id);
        else refused = answer;
      }
      assert.ok(accepted.length >= 4, `${accepted.length} accepted before the store filled; then ${JSON.stringify(refused)}`);
      assert.ok(refused, 'the farm refused new work before its store was full');
      assert.is(refused!.status, 503);
      assert.is(refused!.body.error.code, 'storage_full');
      assert.match(
        refused!.body.error.message,
        /^the farm is out of storage space and takes no new work until its admin frees some: the file system of .*\/nats has [\d.]+ MB free, after setting aside [\d.]+ MB for the \d+ builds not yet finished \(FARM_STORE_RESERVE_PER_BUILD_BYTES each\), below the farm's floor of 16\.0 MB/,
      );
      assert.match(refused!.body.error.message, /builds already accepted still run to the end/);
      // Something else takes what the farm did not set aside for the accepted builds: still refused.
      writeFileSync(join(disk.store, 'filler'), Buffer.alloc(Math.max(0, freeBytes(disk.store) - (accepted.length * 12 + 8) * MiB)));
      const tarball = join(disk.dataDir, 'small.tar.gz');
      writeFileSync(tarball, packTarball({ name: 'smallpkg', files: documentedHello }));
      const cli = spawnSync(process.execPath, [RFARM, 'submit', tarball], { env: { ...process.env, RFARM_SERVER: farm.url }, encoding: 'utf8' });
      assert.is(cli.status, 2, cli.stdout + cli.stderr);
      assert.match(cli.stderr.trim(), /^rfarm: the farm is out of storage space and takes no new work/);
      assert.is(cli.stderr.trim().split('\n').length, 1, cli.stderr);
      // A GitHub delivery is new work too: refused the same way (GitHub shows it; it can be redelivered).
      const delivery = await fetch(`${farm.url}/github/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
        body: '{}',
      });
      assert.is(delivery.status, 503);
      assert.is(((await delivery.json()) as any).error.code, 'storage_full');
      // The builds run now; every accepted one ends whole.
      farm.addAgent();
      await assertFinishedWhole(farm, accepted);
      rmSync(join(disk.store, 'filler'));
      // The finished builds' packages stay; with the filler gone there is room above the floor again.
      assert.ok(
        freeBytes(disk.store) > 16 * MiB,
        `${(freeBytes(disk.store) / MiB).toFixed(1)} MB free after the filler went, for ${accepted.length} finished builds`,
      );
      for (const deadline = Date.now() + 20_000; ; await new Promise((resolve) => setTimeout(resolve, 500))) {
        const again = await submit(farm, packTarball({ name: 'afterpkg', files: documentedHello }), platform);
        if (again.status === 202 || Date.now() > deadline) {
          assert.is(again.status, 202, JSON.stringify(again.body));
          break;
        }
      }
    } finally {
      await farm.cleanup().catch(() => undefined);
      disk.remove();
    }
  },
);

testUnless(
  cannotMount,
  "a JetStream store's size limit: set from the environment, full stores refuse writes, and new work is refused before the limit, leaving room for accepted jobs' artifacts",
  async () => {
    const { disk, farm } = await farmOnSmallStore(200, {
      FARM_OBJECTS_MAX_BYTES: String(40 * MiB),
      FARM_STORE_RESERVE_PER_BUILD_BYTES: String(10 * MiB),
      FARM_MIN_FREE_STORE_BYTES: String(MiB),
    });
    const platform = `platform=${PLATFORM}`;
    let nats: Awaited<ReturnType<typeof connectFarm>> | null = null;
    try {
      nats = await connectFarm({ servers: [farm.natsUrl], credsFile: farm.natsAuth.controlPlaneCreds, replicas: 1, name: 'full-disk-test' });
      const objects = await nats.jsm.streams.info('OBJ_rfarm_objects');
      assert.is(objects.config.max_bytes, 40 * MiB);
      assert.is(objects.config.discard, 'new');
      assert.is((await nats.jsm.streams.info('RFARM_BUILDS')).config.discard, 'new');
      const accepted: string[] = [];
      let refused: { status: number; body: any } | null = null;
      for (let index = 0; index < 30 && !refused; index++) {
        const answer = await submit(farm, bulkyPackage(`limited${index}`, 3), platform);
        if (answer.status === 202) accepted.push(answer.body.id);
        else refused = answer;
      }
      assert.ok(accepted.length >= 2 && refused, `${accepted.length} accepted, then ${JSON.stringify(refused)}`);
      assert.is(refused!.body.error.code, 'storage_full');
      assert.match(
        refused!.body.error.message,
        /the farm's store 'OBJ_rfarm_objects' holds [\d.]+ MB of its 40\.0 MB limit, after setting aside [\d.]+ MB for the \d+ builds not yet finished .*\(over 90 %, FARM_STORE_REFUSE_PERCENT\)/,
      );
      const health = (await (await fetch(`${farm.url}/healthz`)).json()) as any;
      assert.is(health.status, 'degraded');
      assert.match(health.problems.join('\n'), /^storage: the farm's store 'OBJ_rfarm_objects'/m);
      farm.addAgent();
      await assertFinishedWhole(farm, accepted);
    } finally {
      await nats?.close();
      await farm.cleanup().catch(() => undefined);
      disk.remove();
    }
  },
);

testUnless(
  cannotMount,
  'when a store fills anyway (the guard set to let everything in), accepted builds still end DONE with their result and logs; the packages there was no room for are named',
  async () => {
    const { disk, farm } = await farmOnSmallStore(200, {
      FARM_ARTIFACTS_MAX_BYTES: String(6 * MiB),
      FARM_STORE_RESERVE_PER_BUILD_BYTES: '0',
      FARM_STORE_REFUSE_PERCENT: '100',
      FARM_MIN_FREE_STORE_BYTES: String(MiB),
    });
    try {
      // The two builds' source packages and binaries (~2.3 MB each) do not all fit in a 6 MB artifacts store.
      const ids: string[] = [];
      for (const index of [0, 1]) {
        const answer = await submit(farm, bulkyPackage(`overfull${index}`, 3), `platform=${PLATFORM}`);
        assert.is(answer.status, 202, JSON.stringify(answer.body));
        ids.push(answer.body.id);
      }
      farm.addAgent();
      let notKept = 0;
      for (const id of ids) {
        const build = (await waitForJob(farm, id, 400_000)).builds[0];
        assert.is(build.status, 'DONE', `${id}: ${JSON.stringify(build)}`);
        assert.ok(build.result, `${id}: the check's result is recorded`);
        assert.match(await output(farm, id), /\* checking for file/, `${id}: the output holds the check`);
        const names = build.artifacts.map((artifact: { name: string }) => artifact.name);
        assert.ok(names.includes('00check.log') && names.includes('output.log'), `${id}: the logs are kept: ${names}`);
        if (build.reason) {
          assert.match(build.reason, /^the farm's store was full: not kept: \S+\.tar\.gz \([\d.]+ MB\)/);
          notKept++;
        }
      }
      assert.ok(notKept >= 1, 'the store did fill: some package was not kept');
    } finally {
      await farm.cleanup().catch(() => undefined);
      disk.remove();
    }
  },
);

test.run();
