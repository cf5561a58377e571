/**
 * Fault injection with real processes: agents, the control plane and nats-server killed with
 * SIGKILL at random moments while real builds run, and a node of a three-node cluster lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LocalFarm } from '../../scripts/local-farm.ts';
import { packTarball } from '../support/r-packages.ts';
import { Ledger, type SoakSummary } from './ledger.ts';

/** Seeded so a failing run can be replayed with the same SOAK_SEED. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultOptions {
  readonly submissions: number;
  readonly faults: number;
  readonly random: () => number;
  /** How long to wait for everything to finish after the faults. */
  readonly settleMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The smallest real package: R CMD check has little to do, so the soak is about the farm. */
function tinyPackage(index: number): Buffer {
  return packTarball({ name: `soak${index}`, files: { NAMESPACE: '' } });
}

async function withFarm<T>(options: { cluster?: boolean; workers: number }, body: (farm: LocalFarm) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-soak-'));
  const farm = await LocalFarm.start({
    dataDir,
    adminToken: randomBytes(16).toString('hex'),
    workers: options.workers,
    cluster: options.cluster,
    // Short ack wait: a killed agent's build comes back in seconds; many attempts: kills are not the package's fault.
    agentEnv: { FARM_ACK_WAIT_SECONDS: '3', FARM_MAX_ATTEMPTS: '25' },
  });
  try {
    await farm.waitForWorkers(options.workers, 60_000);
    return await body(farm);
  } finally {
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Submits one package; records a 2xx in the ledger, counts 5xx (not a 503 refusal with Retry-After); a refused connection is no answer. */
async function submitOne(farm: LocalFarm, ledger: Ledger, index: number): Promise<boolean> {
  const response = await fetch(`${farm.url}/jobs/submit/tarball`, {
    method: 'PUT',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(tinyPackage(index)),
  }).catch(() => null);
  if (!response) return false;
  if (response.status >= 500) {
    const text = await response.clone().text();
    // A 503 that says NATS or storage is away, with Retry-After, is the farm refusing new work as
    // designed (nothing is accepted, the client is told to retry): not a server error.
    const code = (() => {
      try {
        return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        return undefined;
      }
    })();
    const refusal = response.status === 503 && response.headers.has('retry-after') && (code === 'service_unavailable' || code === 'storage_full');
    if (refusal) ledger.errorTexts.push(`refused as designed: ${response.status} ${text}`);
    else {
      ledger.serverErrors++;
      ledger.errorTexts.push(`${response.status} ${text}`);
    }
  }
  if (response.status !== 202) return false;
  ledger.accepted.add(((await response.json()) as { id: string }).id);
  return true;
}

/** Agents killed with SIGKILL at random moments while builds run, and replaced. */
export async function agentKills(options: FaultOptions): Promise<SoakSummary> {
  return withFarm({ workers: 2 }, async (farm) => {
    const ledger = new Ledger('agent kills');
    await ledger.watch(farm.natsUrl, farm.natsAuth.controlPlaneCreds);
    for (let index = 0; index < options.submissions; index++) await submitOne(farm, ledger, index);
    let kills = 0;
    while (kills < options.faults) {
      await sleep(1500 + options.random() * 4000);
      const live = farm.agents.filter((agent) => agent.alive);
      const victim = live[Math.floor(options.random() * live.length)];
      if (!victim) break;
      await victim.stop('SIGKILL');
      kills++;
      farm.addAgent();
    }
    return ledger.summarize(farm.url, options.settleMs, [`${kills} agents killed with SIGKILL`]);
  });
}

/** The control plane killed during a burst of concurrent submissions, then restarted. */
export async function controlPlaneRestarts(options: FaultOptions): Promise<SoakSummary> {
  return withFarm({ workers: 2 }, async (farm) => {
    const ledger = new Ledger('control plane restarts');
    await ledger.watch(farm.natsUrl, farm.natsAuth.controlPlaneCreds);
    let unanswered = 0;
    let next = 0;
    const perBurst = Math.ceil(options.submissions / options.faults);
    for (let restart = 0; restart < options.faults; restart++) {
      // Three submitters keep sending while the control plane is killed after a random part of the burst.
      const last = next + perBurst;
      const killAfter = next + 1 + Math.floor(options.random() * (perBurst / 2));
      const submitter = async () => {
        while (next < last) {
          const index = next++;
          if (!(await submitOne(farm, ledger, index))) {
            unanswered++;
            await sleep(1000);
          }
        }
      };
      const sending = Promise.all([submitter(), submitter(), submitter()]);
      while (next < killAfter) await sleep(5);
      await farm.restartControlPlane('SIGKILL');
      await sending;
    }
    return ledger.summarize(farm.url, options.settleMs, [`${options.faults} control-plane kills; ${unanswered} submissions got no answer`]);
  });
}

/** nats-server (file storage) killed with SIGKILL mid-run and started again. */
export async function natsRestart(options: FaultOptions): Promise<SoakSummary> {
  return withFarm({ workers: 2 }, async (farm) => {
    const ledger = new Ledger('nats-server restart');
    await ledger.watch(farm.natsUrl, farm.natsAuth.controlPlaneCreds);
    const half = Math.floor(options.submissions / 2);
    for (let index = 0; index < half; index++) await submitOne(farm, ledger, index);
    for (let restart = 0; restart < options.faults; restart++) {
      await sleep(2000 + options.random() * 3000);
      await farm.nats[0].stop('SIGKILL');
      await sleep(500);
      await farm.nats[0].start();
    }
    for (let index = half; index < options.submissions; index++) await submitOne(farm, ledger, index);
    return ledger.summarize(farm.url, options.settleMs, [`nats-server killed ${options.faults} times`]);
  });
}

/** The production shape: three nodes, replicas 3; one node lost mid-run, the farm keeps working. */
export async function clusterNodeLoss(options: FaultOptions): Promise<SoakSummary> {
  return withFarm({ workers: 2, cluster: true }, async (farm) => {
    const ledger = new Ledger('cluster node loss');
    await ledger.watch(farm.natsUrl, farm.natsAuth.controlPlaneCreds);
    const third = Math.floor(options.submissions / 3);
    for (let index = 0; index < third; index++) await submitOne(farm, ledger, index);
    const victim = farm.nats[Math.floor(options.random() * farm.nats.length)];
    await sleep(2000);
    await victim.stop('SIGKILL');
    let acceptedWhileDown = 0;
    for (let index = third; index < 2 * third; index++) acceptedWhileDown += (await submitOne(farm, ledger, index)) ? 1 : 0;
    const whileDown = await ledger.settle(farm.url, Date.now() + options.settleMs / 2);
    const finishedWhileDown = [...whileDown.values()].filter((info) => info.builds.every((build: any) => build.status === 'DONE')).length;
    await victim.start();
    for (let index = 2 * third; index < options.submissions; index++) await submitOne(farm, ledger, index);
    return ledger.summarize(farm.url, options.settleMs, [
      `node ${victim.url} killed; while it was down ${acceptedWhileDown}/${third} submissions were accepted and ${finishedWhileDown} jobs had finished`,
    ]);
  });
}
