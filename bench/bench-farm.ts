/**
 * The farm the benchmarks measure: a real local farm on loopback (nats-server, control plane,
 * sysreqs service and agents as processes, as `npm start` runs it), plus a NATS connection of the
 * suite's own for reading the records' timestamps without going through the API being measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectFarm, isTerminal, keys, liveWorkers, readRecord, type BuildRecord, type FarmConnection, type WorkerRecord } from '../protocol/index.ts';
import { LocalFarm } from '../scripts/local-farm.ts';

/** How often the suite reads a record while waiting for it to change. */
const POLL_MS = 5;

export interface BenchFarmOptions {
  /** Agents to start with. */
  readonly workers: number;
  /** Extra agent environment (limits). */
  readonly agentEnv?: Readonly<Record<string, string>>;
}

export class BenchFarm {
  private constructor(
    readonly local: LocalFarm,
    readonly nats: FarmConnection,
    private readonly dataDir: string,
  ) {}

  private hostPlatform = '';

  /** The platform the local agents serve (the host's own). */
  get platform(): string {
    return this.hostPlatform;
  }

  static async start(options: BenchFarmOptions): Promise<BenchFarm> {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfarm-bench-'));
    let local: LocalFarm | null = null;
    try {
      local = await LocalFarm.start({
        dataDir,
        adminToken: randomBytes(16).toString('hex'),
        workers: options.workers,
        sysreqsPort: 0,
        agentEnv: options.agentEnv,
        controlPlaneEnv: { LOG_LEVEL: 'warn' },
      });
      const nats = await connectFarm({ servers: local.natsUrl.split(','), credsFile: local.natsAuth.controlPlaneCreds, replicas: 1, name: 'rfarm-bench' });
      const farm = new BenchFarm(local, nats, dataDir);
      await farm.waitForLiveWorkers(options.workers);
      farm.hostPlatform = (await farm.liveWorkers())[0].platform;
      return farm;
    } catch (error) {
      await local?.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get url(): string {
    return this.local.url;
  }

  get sysreqsUrl(): string {
    return this.local.sysreqsUrl!;
  }

  /** Submits a package; returns the job id. Throws unless the farm answered 202. */
  async submit(tarball: Uint8Array, platform = this.platform): Promise<string> {
    const response = await fetch(`${this.url}/jobs/submit/tarball?platform=${encodeURIComponent(platform)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/gzip' },
      body: new Uint8Array(tarball),
    });
    const body = (await response.json()) as { id?: string; error?: { message: string } };
    if (response.status !== 202 || !body.id) throw new Error(`submission answered ${response.status}: ${body.error?.message ?? JSON.stringify(body)}`);
    return body.id;
  }

  /** Reads the build record until `until` holds (default: terminal). */
  async waitForBuild(
    jobId: string,
    platform = this.platform,
    until: (build: BuildRecord) => boolean = (build) => isTerminal(build.status),
    timeoutMs = 180_000,
  ): Promise<BuildRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await readRecord<BuildRecord>(this.nats.jobs, keys.build(jobId, platform));
      if (record && until(record.value)) return record.value;
      if (Date.now() > deadline)
        throw new Error(`build ${jobId} on ${platform} did not get there within ${timeoutMs / 1000} s (status ${record?.value.status})`);
      await sleep(POLL_MS);
    }
  }

  /** Workers with a live heartbeat, read from the workers bucket. */
  liveWorkers(): Promise<WorkerRecord[]> {
    return liveWorkers(this.nats);
  }

  /** Waits until exactly `count` workers are live. */
  async waitForLiveWorkers(count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.liveWorkers()).length !== count) {
      if (Date.now() > deadline) throw new Error(`the farm did not reach ${count} live workers within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  }

  /**
   * Waits until every live worker says it runs nothing, then `settleMs` more, so the agent is back
   * in its pull loop (it reports idle just before it asks for the next message).
   */
  async waitForIdleAgents(settleMs = 50, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.liveWorkers()).some((worker) => worker.currentBuild !== null)) {
      if (Date.now() > deadline) throw new Error(`agents still busy after ${timeoutMs / 1000} s`);
      await sleep(POLL_MS);
    }
    await sleep(settleMs);
  }

  /** Runs exactly `count` agents: starts stopped ones or new ones, stops the extra ones. */
  async setAgentCount(count: number): Promise<void> {
    const running = this.local.agents.filter((agent) => agent.alive);
    for (const agent of running.slice(count)) await agent.stop();
    const stopped = this.local.agents.filter((agent) => !agent.alive);
    for (let missing = count - Math.min(count, running.length); missing > 0; missing--) {
      const agent = stopped.shift();
      if (agent) agent.start();
      else this.local.addAgent();
    }
    await this.waitForLiveWorkers(count);
  }

  async stop(): Promise<void> {
    await this.nats.close().catch(() => undefined);
    await this.local.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
