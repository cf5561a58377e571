/**
 * The worker agent: pulls its platform's builds from JetStream one at a time, runs them, and keeps
 * the records honest. A build is acked only once its result is stored, so a dead agent's build is
 * redelivered; a redelivered build that already finished is just acked.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Platform } from '../index.ts';
import {
  bindBuildConsumer,
  connectFarm,
  isConnectionClosed,
  listenForCancels,
  listenForWorkerStop,
  decode,
  encode,
  isTerminal,
  keys,
  objectNames,
  readRecord,
  updateRecord,
  type BuildConsumer,
  type BuildRecord,
  type BuildRequest,
  type FarmConnection,
  type JobRecord,
  type Listening,
  type SubmittedVersion,
  type TakenBuild,
  type WorkerInfo,
  type WorkerRecord,
} from '../../protocol/index.ts';
import type { AgentConfig } from './config.ts';
import { failLostBuild, finishAttempt } from './build-finisher.ts';
import { BuildRunner, makeSandboxDirectory, type BuildOutcome, type PreinstalledPackage } from './build-runner.ts';
import { checkEnvironment, describeCheckEnvironment, type CheckEnvironment } from './check-environment.ts';
import { errorResult } from './check-log.ts';
import { JobDirectories } from './job-directories.ts';
import { withItems } from './check-verdict.ts';
import { cacheMount, dependencyCacheFor, DependencyInstaller, dependencyFields } from './dependencies/index.ts';
import { createAgentMetrics, type AgentMetrics } from './metrics-server.ts';
import { OutputPublisher } from './output-publisher.ts';
import type { SandboxHost } from './sandboxed-process.ts';
import { canSwitchIdentity, prepareSandboxHost } from './sandbox-host.ts';
import { farmAddresses, hostIpv4Addresses, openEgressNetwork, type EgressNetwork } from './egress-network.ts';
import { SystemRequirements } from './system-requirements.ts';

/** What the agent is running now, so a cancel can reach it. */
interface RunningBuild {
  readonly jobId: string;
  readonly platform: string;
  readonly cancel: AbortController;
}

const HEARTBEAT_MS = 5_000;

export class Agent {
  private farm!: FarmConnection;
  private sandbox!: SandboxHost;
  private consumer!: BuildConsumer;
  private running: RunningBuild | null = null;
  private stopping = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly subscriptions: Listening[] = [];
  private readonly startedAt = new Date().toISOString();
  private loop: Promise<void> = Promise.resolve();
  /** Under `egress`: the farm's own addresses, resolved at start (egress-network.ts). */
  private farmNetworks: string[] = [];
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
    if (this.network === 'egress') await this.prepareEgress();
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
    this.subscriptions.push(
      // A refused subscription calls back with an error (and no message): that is the farm's
      // misconfiguration to report, never a cancel or a stop request.
      listenForCancels(
        this.farm,
        this.platform.id,
        (jobId) => this.onCancel(jobId),
        (error) => this.log.error({ err: error }, 'cannot hear cancels'),
      ),
      listenForWorkerStop(
        this.farm,
        this.config.workerId,
        () => void this.stop(),
        (error) => this.log.error({ err: error }, 'cannot hear stop requests'),
      ),
    );
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.loop = this.pullLoop();
    this.log.info({ worker: this.worker, platform: this.platform.id }, 'agent ready');
  }

  /** Leaves the farm: finishes nothing new, stops the running build (it is redelivered elsewhere). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.running?.cancel.abort('agent stopping');
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
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

  private async heartbeat(): Promise<void> {
    if (this.currentName) void this.jobDirs.renew([this.currentName]);
    const record: WorkerRecord = {
      ...this.worker,
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
      currentBuild: this.running ? `${this.running.jobId}/${this.running.platform}` : null,
      platformDetails: this.platform,
    };
    await this.farm.workers.put(keys.worker(this.config.workerId), encode(record)).catch((error: Error) => {
      this.log.warn({ err: error }, 'heartbeat failed');
    });
  }

  private onCancel(jobId: string): void {
    if (this.running?.jobId === jobId) {
      this.log.info({ jobId }, 'cancel requested');
      this.running.cancel.abort('cancelled');
    }
  }

  private async pullLoop(): Promise<void> {
    while (!this.stopping) {
      let msg: TakenBuild | null;
      try {
        msg = await this.consumer.next(5_000);
      } catch (error) {
        if (this.stopping) break;
        this.log.warn({ err: error }, 'pull failed; retrying');
        await new Promise((done) => setTimeout(done, 1_000));
        continue;
      }
      if (!msg) continue;
      if (this.stopping) {
        msg.nak();
        break;
      }
      try {
        await this.handle(msg);
      } catch (error) {
        // The records could not be written (NATS away): leave the message unacked; it comes back.
        this.log.error({ err: error }, 'build handling failed; it will be redelivered');
      }
    }
  }

  private async handle(msg: TakenBuild): Promise<void> {
    const request = decode<BuildRequest>(msg.data);
    const buildKey = keys.build(request.jobId, request.platform);
    const [job, build] = await Promise.all([readRecord<JobRecord>(this.farm.jobs, keys.job(request.jobId)), readRecord<BuildRecord>(this.farm.jobs, buildKey)]);
    if (!job || !build) {
      this.log.warn({ request }, 'queue message without records; dropping it');
      msg.term();
      return;
    }
    if (isTerminal(build.value.status)) {
      msg.ack();
      return;
    }
    const delivery = msg.deliveryCount;
    if (delivery > this.config.maxAttempts) {
      const reason = `the build was started ${delivery - 1} times and its agent was lost or failed each time`;
      await failLostBuild(this.farm, request.jobId, request.platform, reason);
      msg.ack();
      return;
    }
    const started = await updateRecord<BuildRecord>(this.farm.jobs, buildKey, (current) =>
      isTerminal(current.status)
        ? null
        : { ...current, status: 'RUNNING', attempt: current.attempt + 1, worker: this.worker, startedAt: new Date().toISOString(), checkStartedAt: null },
    );
    if (!started || isTerminal(started.status)) {
      msg.ack();
      return;
    }
    await this.run(msg, job.value, started);
  }

  private async run(msg: TakenBuild, job: JobRecord, build: BuildRecord): Promise<void> {
    const name = `${job.id}-${build.platform}-${build.attempt}`;
    const jobDir = this.jobDirs.jobDir(name);
    const outputLog = this.jobDirs.outputLog(name);
    this.currentName = name;
    await this.jobDirs.claim(name);
    await makeSandboxDirectory(this.sandbox, jobDir).catch(async (error: Error) => {
      await this.jobDirs.release(name).catch(() => undefined);
      this.currentName = null;
      throw error;
    });
    const cancel = new AbortController();
    this.running = { jobId: job.id, platform: build.platform, cancel };
    void this.heartbeat();
    // Heartbeats keep the message ours while the check runs; they also notice a cancel we missed.
    const progress = setInterval(
      () => {
        msg.working();
        readRecord<BuildRecord>(this.farm.jobs, keys.build(job.id, build.platform))
          .then((current) => {
            if (current?.value.status === 'CANCELLED') cancel.abort('cancelled');
            // Another attempt finished the build (the queue redelivered it while we were cut off).
            else if (current && isTerminal(current.value.status) && current.value.attempt !== build.attempt) cancel.abort('superseded');
          })
          .catch(() => undefined); // NATS away for a moment: the next tick asks again
      },
      Math.max(1_000, (this.config.ackWaitSeconds * 1000) / 3),
    );
    const output = new OutputPublisher(this.farm, job.id, build.platform, build.attempt, outputLog);
    try {
      if (build.attempt > 1) {
        output.write(`>>> rfarm: attempt ${build.attempt}: the previous attempt was lost (its agent stopped responding); starting afresh\n`);
      }
      output.write(`>>> rfarm: ${job.package} ${job.version} on ${build.platform} (worker ${this.worker.id}, ${this.worker.rVersion})\n`);
      const check = this.checkSettings(job);
      output.write(describeCheckEnvironment(check, this.network));
      const upload = await this.farm.uploads.getBlob(objectNames.upload(job.id));
      if (!upload) throw new Error(`the upload of job ${job.id} is missing from the object store`);
      await updateRecord<BuildRecord>(this.farm.jobs, keys.build(job.id, build.platform), (current) =>
        current.status === 'RUNNING'
          ? {
              ...current,
              checkStartedAt: new Date().toISOString(),
              check: { command: check.command, env: check.env, sources: check.sources, network: this.network },
            }
          : null,
      );
      this.metrics.busy.set(1);
      const timer = this.metrics.buildSeconds.startTimer();
      const outcome = await this.execute(job, build, jobDir, upload, output, cancel.signal, check);
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
      clearInterval(progress);
      this.metrics.busy.set(0);
      this.running = null;
      await this.jobDirs.release(name).catch(() => undefined);
      this.currentName = null;
      void this.heartbeat();
    }
  }

  /** Resolves the farm's addresses and opens one egress namespace, so a host that cannot fence builds never takes one. */
  private async prepareEgress(): Promise<void> {
    const urls = [
      ...this.config.natsServers.map((server) => (server.includes('://') ? server : `nats://${server}`)),
      ...(this.config.sysreqsUrl ? [this.config.sysreqsUrl] : []),
    ];
    this.farmNetworks = await farmAddresses(urls, this.config.egressBlock);
    try {
      await (await this.openEgress()).close();
    } catch (error) {
      throw new Error(`network policy egress cannot be applied on this host: ${(error as Error).message} (README, "Network policy")`, { cause: error });
    }
    this.log.info({ farmNetworks: this.farmNetworks }, 'checks run under network policy egress');
  }

  private openEgress(): Promise<EgressNetwork> {
    return openEgressNetwork({ farmNetworks: this.farmNetworks, hostAddresses: hostIpv4Addresses(), ownUserNamespace: !canSwitchIdentity() });
  }

  /** The check's network: the platform's catalogue setting, else this agent's FARM_CHECK_NETWORK. */
  private get network() {
    return this.platform.checkNetwork ?? this.config.checkNetwork;
  }

  /** The job's check command and environment on this platform (check-environment.ts decides). */
  private checkSettings(job: JobRecord): CheckEnvironment {
    const library = cacheMount(dependencyCacheFor(this.config.dependencyCacheDir, this.platform.id, this.info.rVersion)).sandboxPath;
    const tarball = `${job.package}_${job.version}.tar.gz`;
    return checkEnvironment({ checkArgs: job.checkArgs, platformEnv: this.platform.checkEnvironment, jobEnv: job.env, libraryPaths: [library], tarball });
  }

  /** System requirements, R dependencies, then the build itself; a failed sysreqs step is the farm's failure. */
  private async execute(
    job: JobRecord,
    build: BuildRecord,
    jobDir: string,
    upload: Uint8Array,
    output: OutputPublisher,
    cancel: AbortSignal,
    check: CheckEnvironment,
  ): Promise<BuildOutcome> {
    let missing: string[] = [];
    if (this.config.sysreqsUrl) {
      const sysreqs = new SystemRequirements(this.config.sysreqsUrl, this.platform, this.config.installSysreqs);
      // The upload, so the service also reads configure and src/Makevars* (never executed).
      const prepared = await sysreqs.prepare(job.description, output, upload, { waitMs: this.config.sysreqsWaitSeconds * 1000, cancel });
      if (prepared.cancelled) return { kind: 'stopped', reason: 'cancelled', detail: 'waiting for the sysreqs service', artifacts: [] };
      // Having waited its whole bound, the build ends: another attempt would wait again.
      if (prepared.failure) return { kind: 'infrastructure', reason: prepared.failure, artifacts: [], final: prepared.unavailable };
      missing = prepared.missing;
    }
    const limits = {
      deadline: Date.parse(build.startedAt ?? new Date().toISOString()) + this.config.wallTimeSeconds * 1000,
      silenceMs: this.config.silenceSeconds * 1000,
      outputLimitBytes: this.config.outputLimitBytes,
      cancel,
    };
    const cache = dependencyCacheFor(this.config.dependencyCacheDir, this.platform.id, this.info.rVersion);
    const installer = new DependencyInstaller(cache, this.config.rRepos, this.sandbox, limits, output);
    const dependencies = await installer.install({ description: job.description, fields: dependencyFields(check.env, check.installsSuggests) });
    if (dependencies.kind === 'infrastructure') return { kind: 'infrastructure', reason: dependencies.reason, artifacts: [] };
    if (dependencies.kind === 'stopped') return { kind: 'stopped', reason: dependencies.reason, detail: 'installing R dependencies', artifacts: [] };
    if (dependencies.kind === 'package-error') {
      return { kind: 'checked', result: errorResult('installing R dependencies', dependencies.message), artifacts: [] };
    }
    const preinstall = job.against ? await this.submittedVersion(job.against, installer, check, output) : [];
    if (!Array.isArray(preinstall)) return preinstall;
    let egress: EgressNetwork | null = null;
    if (this.network === 'egress') {
      try {
        egress = await this.openEgress();
      } catch (error) {
        return { kind: 'infrastructure', reason: `could not open the build's egress network: ${(error as Error).message}`, artifacts: [] };
      }
    }
    const runner = new BuildRunner(
      {
        jobDir,
        upload: Buffer.from(upload),
        packageName: job.package,
        version: job.version,
        prebuilt: job.prebuilt,
        checkArgs: job.checkArgs,
        env: job.env,
        platformEnv: this.platform.checkEnvironment,
        libraries: [cacheMount(cache)],
        freshBinary: job.publish === true,
        networkNamespace: egress?.namespace,
        preinstall,
      },
      this.sandbox,
      limits,
      output,
    );
    const outcome = await runner.run().finally(() => egress?.close());
    if (outcome.kind === 'checked' && outcome.result.status === 'ERROR' && missing.length > 0) {
      const note = `system requirements missing on this host: ${missing.join(', ')} (the package's SystemRequirements need them)`;
      output.write(`\n>>> rfarm: ${note}\n`);
      return { ...outcome, result: withItems(outcome.result, [{ severity: 'ERROR', check: 'system requirements', text: note }]) };
    }
    return outcome;
  }

  /**
   * A reverse-dependency check against a submitted version: that job's upload, installed before
   * the check, and its own dependencies, installed into the cache like any build's.
   */
  private async submittedVersion(
    against: SubmittedVersion,
    installer: DependencyInstaller,
    check: CheckEnvironment,
    output: OutputPublisher,
  ): Promise<PreinstalledPackage[] | BuildOutcome> {
    const [source, upload] = await Promise.all([
      readRecord<JobRecord>(this.farm.jobs, keys.job(against.jobId)),
      this.farm.uploads.getBlob(objectNames.upload(against.jobId)),
    ]);
    if (!source || !upload)
      return {
        kind: 'infrastructure',
        reason: `the submitted version ${against.package} ${against.version} (job ${against.jobId}) is missing from the farm`,
        artifacts: [],
      };
    output.write(
      `\n>>> rfarm: checking against the submitted version of ${against.package} (${against.version}, job ${against.jobId}) instead of the published one\n`,
    );
    const dependencies = await installer.install({ description: source.value.description, fields: dependencyFields(check.env) });
    if (dependencies.kind === 'infrastructure') return { kind: 'infrastructure', reason: dependencies.reason, artifacts: [] };
    if (dependencies.kind === 'stopped')
      return { kind: 'stopped', reason: dependencies.reason, detail: `installing the dependencies of ${against.package}`, artifacts: [] };
    if (dependencies.kind === 'package-error')
      return {
        kind: 'checked',
        result: errorResult(`installing the dependencies of ${against.package} ${against.version}`, dependencies.message),
        artifacts: [],
      };
    return [{ packageName: against.package, version: against.version, data: Buffer.from(upload) }];
  }
}

/** This process's worker facts. */
export function describeWorker(id: string, rVersion: string, distribution: string, compiler: string): Omit<WorkerInfo, 'platform'> {
  return { id, host: hostname(), rVersion, distribution, compiler, pid: process.pid };
}
