/**
 * The worker agent: pulls its platform's builds from JetStream one at a time, runs them, and keeps
 * the records honest. A build is acked only once its result is stored, so a dead agent's build is
 * redelivered; a redelivered build that already finished is just acked. This module is the agent's
 * life (start, stop, one attempt); the message loop (build-pull-loop.ts), the heartbeat
 * (worker-heartbeat.ts), the farm's signals (agent-signals.ts), the watch on a running attempt
 * (attempt-watch.ts) and a build's steps (build-executor.ts) each have their own module.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Platform } from '../index.ts';
import {
  bindBuildConsumer,
  connectFarm,
  isConnectionClosed,
  keys,
  objectNames,
  type BuildConsumer,
  type BuildRecord,
  type CheckSettings,
  type FarmConnection,
  type JobRecord,
  type Listening,
  type TakenBuild,
  type Versioned,
  type WorkerInfo,
} from '../../protocol/index.ts';
import type { AgentConfig } from './config.ts';
import { listenForAgentSignals, type RunningBuild } from './agent-signals.ts';
import { watchAttempt } from './attempt-watch.ts';
import { BuildExecutor } from './build-executor.ts';
import { finishAttempt } from './build-finisher.ts';
import { pullBuilds, type AttemptWorkspace } from './build-pull-loop.ts';
import { makeSandboxDirectory } from './build-runner.ts';
import { describeCheckEnvironment } from './check-environment.ts';
import { EgressFence } from './egress-fence.ts';
import { JobDirectories } from './job-directories.ts';
import { createAgentMetrics, type AgentMetrics } from './metrics-server.ts';
import { OutputPublisher } from './output-publisher.ts';
import type { SandboxHost } from './sandboxed-process.ts';
import { prepareSandboxHost } from './sandbox-host.ts';
import { pauseOnNotice, SpotInterruptionWatch } from './spot-interruption.ts';
import { WorkerHeartbeat } from './worker-heartbeat.ts';

export class Agent {
  private farm!: FarmConnection;
  private sandbox!: SandboxHost;
  private consumer!: BuildConsumer;
  private executor!: BuildExecutor;
  private heartbeat: WorkerHeartbeat | null = null;
  private spotWatch: SpotInterruptionWatch | null = null;
  private running: RunningBuild | null = null;
  private stopping = false;
  private readonly subscriptions: Listening[] = [];
  private readonly startedAt = new Date().toISOString();
  private loop: Promise<void> = Promise.resolve();
  /** Under `egress`: fences builds off the farm's own addresses, resolved at start. */
  private readonly egress: EgressFence;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** The build whose files this agent holds now (named as in JobDirectories). */
  private currentName: string | null = null;
  private readonly jobDirs: JobDirectories;

  constructor(
    private readonly config: AgentConfig,
    private readonly platform: Platform,
    private readonly info: Omit<WorkerInfo, 'platform'>,
    private readonly log: Logger,
    private readonly metrics: AgentMetrics = createAgentMetrics(),
  ) {
    this.jobDirs = new JobDirectories(config.dataDir, config.workerId, config.jobDirStaleSeconds * 1000);
    this.egress = new EgressFence(config, log);
  }

  /** Removes what killed agents left in the data directory; says what it removed. */
  private async sweepJobDirectories(): Promise<void> {
    const running = new Set(this.currentName ? [this.currentName] : []);
    const removed = await this.jobDirs.sweep(running).catch((error: Error) => {
      this.log.warn({ err: error }, 'job directory sweep failed');
      return [];
    });
    if (removed.length > 0) this.log.info({ removed }, 'removed job directories no live build owns');
  }

  /** Connected to NATS: what /healthz reports. */
  get healthy(): boolean {
    return this.farm !== undefined && !isConnectionClosed(this.farm) && !this.stopping;
  }

  get worker(): WorkerInfo {
    return { ...this.info, platform: this.platform.id };
  }

  async start(): Promise<void> {
    this.sandbox = await prepareSandboxHost(this.config, this.log);
    if (this.network === 'egress' && this.sandbox.guards.sandbox !== 'bubblewrap')
      throw new Error(`platform ${this.platform.id} asks for the egress network policy, which only the Linux sandbox can fence`);
    if (this.network === 'egress') await this.egress.prepare();
    // Job directories are the builds' own (0700, their uid; `builds` lets them pass, not list); console logs the agent's.
    await this.jobDirs.prepare();
    await this.sweepJobDirectories();
    this.sweepTimer = setInterval(() => void this.sweepJobDirectories(), this.config.jobDirSweepSeconds * 1000);
    this.sweepTimer.unref();
    this.farm = await connectFarm({
      servers: this.config.natsServers,
      credsFile: this.config.natsCredsFile,
      replicas: this.config.replicas,
      name: `rfarm-agent-${this.config.workerId}`,
      agentPlatform: this.platform.id,
    });
    this.consumer = await bindBuildConsumer(this.farm, this.platform.id, this.config.ackWaitSeconds);
    this.executor = new BuildExecutor({
      config: this.config,
      platform: this.platform,
      rVersion: this.info.rVersion,
      farm: this.farm,
      sandbox: this.sandbox,
      egress: this.egress,
      network: this.network,
    });
    this.subscriptions.push(
      ...listenForAgentSignals({
        farm: this.farm,
        platformId: this.platform.id,
        workerId: this.config.workerId,
        running: () => this.running,
        stop: () => void this.stop(),
        log: this.log,
      }),
    );
    this.heartbeat = new WorkerHeartbeat({
      farm: this.farm,
      workerId: this.config.workerId,
      worker: this.worker,
      platform: this.platform,
      startedAt: this.startedAt,
      jobDirs: this.jobDirs,
      activity: () => ({ currentBuild: this.running ? `${this.running.jobId}/${this.running.platform}` : null, jobDirName: this.currentName }),
      log: this.log,
    });
    await this.heartbeat.start();
    if (this.config.spotNotice)
      this.spotWatch = await SpotInterruptionWatch.start({ imdsUrl: this.config.imdsUrl, intervalMs: this.config.spotNoticePollSeconds * 1000, log: this.log });
    this.loop = pullBuilds({
      farm: this.farm,
      consumer: this.spotWatch ? pauseOnNotice(this.consumer, this.spotWatch) : this.consumer,
      maxAttempts: this.config.maxAttempts,
      worker: this.worker,
      stopping: () => this.stopping,
      prepareWorkspace: (jobId, platform, attempt) => this.prepareWorkspace(jobId, platform, attempt),
      checkSettings: (job) => this.checkSettings(job),
      runAttempt: (msg, job, build, workspace) => this.run(msg, job, build, workspace),
      log: this.log,
    });
    this.log.info({ worker: this.worker, platform: this.platform.id }, 'agent ready');
  }

  /** Leaves the farm: finishes nothing new, stops the running build (it is redelivered elsewhere). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.running?.cancel.abort('agent stopping');
    this.heartbeat?.stop();
    this.spotWatch?.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.loop.catch(() => undefined);
    await this.farm.workers.delete(keys.worker(this.config.workerId)).catch(() => undefined);
    for (const subscription of this.subscriptions) subscription.stop();
    await this.farm.close();
  }

  /** Resolves when the agent has stopped. */
  get stopped(): Promise<void> {
    return this.loop;
  }

  /** An attempt's job directory, empty and the build's, with its lease taken first. */
  private async prepareWorkspace(jobId: string, platform: string, attempt: number): Promise<AttemptWorkspace> {
    const name = `${jobId}-${platform}-${attempt}`;
    this.currentName = name;
    const release = async () => {
      await this.jobDirs.release(name).catch(() => undefined);
      if (this.currentName === name) this.currentName = null;
    };
    try {
      this.jobDirs.claim(name);
      await makeSandboxDirectory(this.sandbox, this.jobDirs.jobDir(name));
    } catch (error) {
      await release();
      throw error;
    }
    return { attempt, name, release };
  }

  /** What the job's check runs with here, as its record states it. */
  private checkSettings(job: JobRecord): CheckSettings {
    const check = this.executor.checkSettings(job);
    return { command: check.command, env: check.env, sources: check.sources, network: this.network };
  }

  /** One attempt at a build this worker has started (RUNNING, check started, in `workspace`): its output, check and result. */
  private async run(msg: TakenBuild, job: JobRecord, started: Versioned<BuildRecord>, workspace: AttemptWorkspace): Promise<void> {
    const build = started.value;
    const jobDir = this.jobDirs.jobDir(workspace.name);
    const outputLog = this.jobDirs.outputLog(workspace.name);
    // Fetched while the output's first lines are written.
    const uploadRead = this.farm.uploads.getBlob(objectNames.upload(job.id));
    void uploadRead.catch(() => undefined);
    const cancel = new AbortController();
    this.running = { jobId: job.id, platform: build.platform, cancel };
    void this.heartbeat?.beat();
    const stopWatching = watchAttempt(this.farm, msg, build, cancel, this.config.ackWaitSeconds);
    const output = new OutputPublisher(this.farm, job.id, build.platform, build.attempt, outputLog);
    try {
      if (build.attempt > 1) {
        output.write(`>>> rfarm: attempt ${build.attempt}: the previous attempt was lost (its agent stopped responding); starting afresh\n`);
      }
      output.write(`>>> rfarm: ${job.package} ${job.version} on ${build.platform} (worker ${this.worker.id}, ${this.worker.rVersion})\n`);
      const check = this.executor.checkSettings(job);
      output.write(describeCheckEnvironment(check, this.network));
      const upload = await uploadRead;
      if (!upload) throw new Error(`the upload of job ${job.id} is missing from the object store`);
      this.metrics.busy.set(1);
      const timer = this.metrics.buildSeconds.startTimer();
      const outcome = await this.executor.execute(job, build, jobDir, upload, output, cancel.signal, check);
      timer();
      this.metrics.builds.inc({ outcome: outcome.kind });
      const fate = await finishAttempt({
        farm: this.farm,
        job,
        platform: build.platform,
        build,
        outcome,
        output,
        outputLog,
        lastAttempt: msg.deliveryCount >= this.config.maxAttempts,
        cancelledByUser: cancel.signal.reason === 'cancelled',
        agentStopping: this.stopping,
      });
      if (fate === 'retry') msg.nak(2_000);
      else if (fate === 'abandon') msg.nak();
      else if (fate === 'ack') msg.ack();
    } finally {
      stopWatching();
      this.metrics.busy.set(0);
      this.running = null;
      await workspace.release();
      void this.heartbeat?.beat();
    }
  }

  /** The check's network: the platform's catalogue setting, else this agent's FARM_CHECK_NETWORK. */
  private get network() {
    return this.platform.checkNetwork ?? this.config.checkNetwork;
  }
}

/** This process's worker facts. */
export function describeWorker(id: string, rVersion: string, distribution: string, compiler: string): Omit<WorkerInfo, 'platform'> {
  return { id, host: hostname(), rVersion, distribution, compiler, pid: process.pid };
}
