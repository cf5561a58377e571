/**
 * The local farm: nats-server, the control plane, the sysreqs service and agents as real processes
 * on loopback. `npm start` runs one; tests, benchmarks and the soak run their own and kill parts of
 * it on purpose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORMS, platformOfHost } from '../images/index.ts';
import { readHostFacts } from '../images/agent/host-facts.ts';
import { prepareLocalNatsAuth, type LocalNatsAuth } from './local-nats-auth.ts';
import { FarmSupervisor, jsonLogLine, type SupervisedProcess, type SupervisorLog } from './farm-supervisor.ts';
import { freePort } from './free-port.ts';
import { startNats, type NatsNode } from './nats-server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = {
  controlPlane: join(ROOT, 'control-plane/main.ts'),
  agent: join(ROOT, 'images/agent/main.ts'),
  sysreqs: join(ROOT, 'sysreqs/main.ts'),
};

export interface LocalFarmOptions {
  readonly dataDir: string;
  /** Control plane port; 0 picks a free one. */
  readonly port?: number;
  readonly natsPort?: number;
  readonly workers?: number;
  /** Three nats-server nodes with replicas 3 instead of one. */
  readonly cluster?: boolean;
  readonly adminToken: string;
  /** Start the sysreqs service too (on this port; 0 picks one). */
  readonly sysreqsPort?: number;
  /** Extra environment for agents (limits, ack wait …). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Extra environment for the control plane. */
  readonly controlPlaneEnv?: Readonly<Record<string, string>>;
  /** Where children's output goes: inherit for `npm start`, ignore in tests. */
  readonly stdio?: 'inherit' | 'ignore';
  /**
   * Restart whatever dies, with backoff, saying so in a JSON log line (`npm start`); tests that
   * kill parts of the farm on purpose leave it off, or pass a log sink to read the lines.
   */
  readonly supervise?: boolean | SupervisorLog;
  /** nats-server's JetStream store size (max_file_store); default: 75 % of the disk's free space when it starts. */
  readonly natsMaxStoreBytes?: number;
}

/** Variables a child inherits from us: where programs are, whose home, which language. Never secrets. */
const HOST_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

/** PATH, HOME and language of this process: the base of every child's environment. */
export function hostEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(HOST_ENV.filter((name) => env[name]).map((name) => [name, env[name]!]));
}

/**
 * The control plane's settings from our environment (FARM_*, LOG_LEVEL), so `FARM_SMTP_URL=… npm
 * start` works; what the farm sets itself (ports, NATS, data directory, token) overrides them.
 */
function controlPlaneSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => /^(FARM_|LOG_LEVEL$)/.test(entry[0]) && entry[1] !== undefined));
}

/** The platform agents on this host serve by default, or null when R is not installed here. */
async function hostPlatformId(): Promise<string | null> {
  return readHostFacts().then(
    (facts) => platformOfHost(facts).id,
    () => null,
  );
}

/** A child process of the farm that can be killed and started again with the same settings. */
export class FarmProcess implements SupervisedProcess {
  child: ChildProcess | null = null;
  /** The end of its error output, for saying why it died. */
  stderrTail = '';
  /** The end of its log (stdout) when that is not inherited, for saying how far it got. */
  logTail = '';
  onUnexpectedExit: SupervisedProcess['onUnexpectedExit'] = null;
  private stopRequested = false;
  constructor(
    readonly name: string,
    private readonly entry: string,
    /** Its whole environment besides hostEnvironment(): it inherits nothing else from us. */
    readonly env: Record<string, string>,
    private readonly stdio: 'inherit' | 'ignore',
  ) {}

  start(): void {
    this.stopRequested = false;
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], {
      cwd: ROOT,
      env: { ...hostEnvironment(), ...this.env },
      stdio: ['ignore', this.stdio === 'inherit' ? 'inherit' : 'pipe', this.stdio === 'inherit' ? 'inherit' : 'pipe'],
    });
    this.child = child;
    // Read always: a child whose pipe nobody drains blocks on its next log line.
    child.stdout?.on('data', (chunk) => (this.logTail = (this.logTail + chunk).slice(-4000)));
    child.stderr?.on('data', (chunk) => (this.stderrTail = (this.stderrTail + chunk).slice(-4000)));
    child.once('exit', (code, signal) => {
      if (this.child === child && !this.stopRequested) this.onUnexpectedExit?.(code, signal);
    });
  }

  async restart(): Promise<void> {
    this.start();
  }

  /** The last lines of `text` (its log or error tail), on one line, for an error message. */
  static lastLines(text: string): string {
    return text.trim().split('\n').slice(-3).join(' | ') || '(nothing)';
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.stopRequested = true;
    if (!child || !this.alive) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function waitForHttp(url: string, owner: FarmProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastAnswer = 'no answer yet';
  while (Date.now() < deadline) {
    if (!owner.alive) throw new Error(`${owner.name} exited: ${owner.stderrTail.trim() || 'no output'}`);
    const ok = await fetch(url).then(
      (response) => {
        lastAnswer = `HTTP ${response.status}`;
        return response.ok;
      },
      (error: Error) => {
        lastAnswer = error.message;
        return false;
      },
    );
    if (ok) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${url} did not come up within ${timeoutMs / 1000} s (${lastAnswer}); ${owner.name} last logged: ${FarmProcess.lastLines(owner.logTail)}`);
}

export class LocalFarm {
  readonly agents: FarmProcess[] = [];
  private agentCount = 0;
  /** Restarts dead processes; null unless the farm was started with `supervise`. */
  readonly supervisor: FarmSupervisor | null;

  private constructor(
    readonly options: LocalFarmOptions,
    readonly nats: NatsNode[],
    readonly controlPlane: FarmProcess,
    readonly url: string,
    readonly sysreqs: FarmProcess | null,
    readonly sysreqsUrl: string | null,
    /** The farm's NATS credentials; `natsAuth.controlPlaneCreds` lets tests and tools in. */
    readonly natsAuth: LocalNatsAuth,
  ) {
    const supervise = options.supervise;
    this.supervisor = supervise ? new FarmSupervisor(typeof supervise === 'function' ? supervise : jsonLogLine) : null;
  }

  get natsUrl(): string {
    return this.nats.map((node) => node.url).join(',');
  }

  static async start(options: LocalFarmOptions): Promise<LocalFarm> {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
    const stdio = options.stdio ?? 'ignore';
    // Agents name their platform: the host's by default, so the control plane knows which
    // credentials an agent it starts gets.
    const hostPlatform = options.agentEnv?.FARM_PLATFORM ?? (await hostPlatformId());
    const natsAuth = await prepareLocalNatsAuth(dataDir, [...PLATFORMS.map((platform) => platform.id), ...(hostPlatform ? [hostPlatform] : [])]);
    const nats = await startNats(dataDir, options.cluster ? 3 : 1, options.natsPort, natsAuth.settings, options.natsMaxStoreBytes);
    const natsUrl = nats.map((node) => node.url).join(',');
    const replicas = options.cluster ? '3' : '1';
    let sysreqs: FarmProcess | null = null;
    let sysreqsUrl: string | null = null;
    if (options.sysreqsPort !== undefined) {
      const port = options.sysreqsPort || (await freePort());
      sysreqsUrl = `http://127.0.0.1:${port}`;
      sysreqs = new FarmProcess('sysreqs', ENTRIES.sysreqs, { PORT: String(port), HOST: '127.0.0.1' }, stdio);
      sysreqs.start();
    }
    const port = options.port || (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const agentEnv: Record<string, string> = {
      ...(hostPlatform ? { FARM_PLATFORM: hostPlatform } : {}),
      NATS_URL: natsUrl,
      FARM_DATA_DIR: dataDir,
      FARM_JETSTREAM_REPLICAS: replicas,
      ...(sysreqsUrl ? { FARM_SYSREQS_URL: sysreqsUrl } : {}),
      // No agent outlives the farm, not even one the control plane started (`PUT /worker`).
      FARM_OWNER_PID: String(process.pid),
      ...options.agentEnv,
      // The farm's own repository first: dependencies come from it (and the host's r-cran-*
      // packages) without the internet; more repositories (a CRAN mirror) may follow.
      FARM_R_REPOS: [`${url}/repo`, ...(options.agentEnv?.FARM_R_REPOS ? [options.agentEnv.FARM_R_REPOS] : [])].join(','),
    };
    const controlPlane = new FarmProcess(
      'control-plane',
      ENTRIES.controlPlane,
      {
        ...controlPlaneSettings(),
        PORT: String(port),
        HOST: '127.0.0.1',
        NATS_URL: natsUrl,
        NATS_CREDS: natsAuth.controlPlaneCreds,
        FARM_AGENT_CREDS_DIR: natsAuth.dir,
        FARM_JETSTREAM_REPLICAS: replicas,
        FARM_ADMIN_TOKEN: options.adminToken,
        FARM_DATA_DIR: dataDir,
        FARM_LOCAL_AGENTS: '1',
        // Searched for reverse dependencies after the farm's own repository (which it reads directly).
        ...(options.agentEnv?.FARM_R_REPOS ? { FARM_R_REPOS: options.agentEnv.FARM_R_REPOS } : {}),
        // Where the farm's state lives: new work is refused when these run out of space.
        FARM_STORE_DIRS: [dataDir, ...nats.map((node) => node.options.storeDir)].join(','),
        ...(sysreqsUrl ? { FARM_SYSREQS_URL: sysreqsUrl } : {}),
        ...Object.fromEntries(Object.entries(agentEnv).map(([name, value]) => [`FARM_AGENT_ENV_${name}`, value])),
        ...options.controlPlaneEnv,
      },
      stdio,
    );
    controlPlane.start();
    const farm = new LocalFarm({ ...options, agentEnv }, nats, controlPlane, url, sysreqs, sysreqsUrl, natsAuth);
    try {
      await waitForHttp(`${url}/healthz`, controlPlane);
      if (sysreqs && sysreqsUrl) await waitForHttp(`${sysreqsUrl}/healthz`, sysreqs);
    } catch (error) {
      // Whatever did start must not outlive a farm that did not.
      await farm.stop();
      throw error;
    }
    if (farm.supervisor) {
      for (const node of nats) farm.supervisor.watch(node);
      farm.supervisor.watch(controlPlane);
      if (sysreqs) farm.supervisor.watch(sysreqs);
    }
    for (let index = 0; index < (options.workers ?? 1); index++) farm.addAgent();
    return farm;
  }

  /** Starts one more agent process (not waiting for it to join). */
  addAgent(env: Readonly<Record<string, string>> = {}): FarmProcess {
    const id = `local-agent-${++this.agentCount}`;
    const full: Record<string, string> = { ...this.options.agentEnv, FARM_WORKER_ID: id, ...env };
    const platform = full.FARM_PLATFORM;
    if (!platform || !existsSync(this.natsAuth.agentCreds(platform))) {
      throw new Error(
        `no NATS credentials for agents of '${platform ?? 'this host (R is not installed)'}': they are made at start for the catalogue's platforms and this host's`,
      );
    }
    const agent = new FarmProcess(id, ENTRIES.agent, { NATS_CREDS: this.natsAuth.agentCreds(platform), ...full }, this.options.stdio ?? 'ignore');
    this.supervisor?.watch(agent, false);
    agent.start();
    this.agents.push(agent);
    return agent;
  }

  /**
   * Waits until `count` workers have a heartbeat. Fails at once when too few of the farm's agents
   * are left running, and either way says what each agent last logged: on a loaded machine "did not
   * join" alone tells nothing.
   */
  async waitForWorkers(count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastAnswer = 'no answer yet';
    while (Date.now() < deadline) {
      const response = await fetch(`${this.url}/workers`, { headers: { authorization: `Bearer ${this.options.adminToken}` } }).catch((error: Error) => error);
      if (response instanceof Error) lastAnswer = response.message;
      else if (!response.ok) lastAnswer = `HTTP ${response.status}`;
      else {
        const joined = ((await response.json()) as unknown[]).length;
        if (joined >= count) return;
        lastAnswer = `${joined} joined`;
      }
      if (!this.supervisor && !this.controlPlane.alive)
        throw new Error(`the control plane exited while waiting for ${count} workers: ${this.controlPlane.stderrTail.trim() || 'no output'}`);
      // Too few of our agents left to make the count (a supervised farm starts the dead ones again).
      const living = this.agents.filter((agent) => agent.alive).length;
      if (!this.supervisor && this.agents.length >= count && living < count)
        throw new Error(`fewer than ${count} workers joined: ${this.agents.length - living} of the agents exited:\n${this.agentReport()}`);
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`fewer than ${count} workers joined within ${timeoutMs / 1000} s (GET /workers: ${lastAnswer}):\n${this.agentReport()}`);
  }

  /** Each agent: running or exited, and the last lines of its log and error output. */
  private agentReport(): string {
    return this.agents
      .map(
        (agent) =>
          `${agent.name} (${agent.alive ? 'running' : `exited ${agent.child?.exitCode ?? agent.child?.signalCode}`}): log: ${FarmProcess.lastLines(agent.logTail)}; stderr: ${FarmProcess.lastLines(agent.stderrTail)}`,
      )
      .join('\n');
  }

  async restartControlPlane(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.controlPlane.stop(signal);
    this.controlPlane.start();
    await waitForHttp(`${this.url}/healthz`, this.controlPlane);
  }

  async stop(): Promise<void> {
    this.supervisor?.stop();
    await Promise.all(this.agents.map((agent) => agent.stop()));
    await this.controlPlane.stop();
    await this.sysreqs?.stop();
    await Promise.all(this.nats.map((node) => node.stop()));
  }
}
