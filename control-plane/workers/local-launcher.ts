/**
 * Starts agent processes on the control plane's own host: the local farm's `PUT /worker`.
 * Agents are independent processes that talk to NATS; this only spawns them and waits for their
 * first heartbeat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentCredsFileName, decode, keys, type FarmConnection, type WorkerRecord } from '../../protocol/index.ts';
import { FarmError } from '../errors.ts';

const AGENT_ENTRY = fileURLToPath(new URL('../../images/agent/main.ts', import.meta.url));
const FIRST_HEARTBEAT_MS = 20_000;

export interface LaunchedWorker {
  readonly id: string;
  readonly platform: string;
}

export interface WorkerLauncher {
  launch(platform?: string): Promise<LaunchedWorker>;
  stopAll(): Promise<void>;
}

export class LocalWorkerLauncher implements WorkerLauncher {
  private readonly children = new Set<ChildProcess>();

  constructor(
    private readonly farm: FarmConnection,
    /**
     * The agents' whole environment (they inherit nothing else, so none of the control plane's
     * secrets): PATH, HOME and language, NATS_URL, FARM_DATA_DIR, any FARM_* limits, and
     * FARM_PLATFORM, the platform of an agent started without one.
     */
    private readonly agentEnv: Readonly<Record<string, string>>,
    /** Directory of `agent-<platform>.creds`; unset: agents connect without credentials (a NATS without auth). */
    private readonly credsDir?: string,
  ) {}

  async launch(platform?: string): Promise<LaunchedWorker> {
    const id = `${hostname().split('.')[0]}-${randomBytes(3).toString('hex')}`;
    const chosen = platform ?? this.agentEnv.FARM_PLATFORM;
    const env: Record<string, string> = { ...this.agentEnv, FARM_WORKER_ID: id, ...(chosen ? { FARM_PLATFORM: chosen } : {}), ...this.credentials(chosen) };
    const child = spawn(process.execPath, ['--import', 'tsx', AGENT_ENTRY], { env, stdio: ['ignore', 'inherit', 'pipe'] });
    this.children.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-2000);
      process.stderr.write(chunk);
    });
    child.on('exit', () => this.children.delete(child));
    const record = await this.firstHeartbeat(id, child);
    if (!record) {
      child.kill('SIGKILL');
      const line = stderr.trim().split('\n').pop() ?? 'no output';
      throw new FarmError(409, 'workers_not_launchable', `the agent did not start: ${line}`);
    }
    return { id, platform: record.platform };
  }

  /** NATS_CREDS for an agent of `platform`: its pool's own user, which may take only that platform's builds. */
  private credentials(platform: string | undefined): Record<string, string> {
    if (!this.credsDir) return {};
    if (!platform)
      throw new FarmError(409, 'workers_not_launchable', 'no platform to start an agent for: name one, e.g. {"platform": "r-release-linux-x86_64"}');
    const file = join(this.credsDir, agentCredsFileName(platform));
    if (!existsSync(file))
      throw new FarmError(
        409,
        'workers_not_launchable',
        `this farm has no NATS credentials for platform '${platform}'; restart it with \`npm start\` (which makes them for every catalogue platform and this host's)`,
      );
    return { NATS_CREDS: file };
  }

  private async firstHeartbeat(id: string, child: ChildProcess): Promise<WorkerRecord | null> {
    const deadline = Date.now() + FIRST_HEARTBEAT_MS;
    while (Date.now() < deadline && child.exitCode === null) {
      const entry = await this.farm.workers.get(keys.worker(id)).catch(() => null);
      if (entry && entry.operation === 'PUT' && entry.value.length > 0) return decode<WorkerRecord>(entry.value);
      await new Promise((done) => setTimeout(done, 100));
    }
    return null;
  }

  async stopAll(): Promise<void> {
    const exits = [...this.children].map((child) => new Promise((done) => child.once('exit', done)));
    for (const child of this.children) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((done) => setTimeout(done, 5_000))]);
    for (const child of this.children) child.kill('SIGKILL');
  }
}
