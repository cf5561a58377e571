/**
 * What one build runs, in order: the system requirements (sysreqs service), the R dependencies
 * (into the shared cache), for a reverse-dependency check the submitted version it is checked
 * against, then R CMD build and check in the sandbox (build-runner.ts), behind the egress fence
 * when the platform's policy is `egress`. A failed sysreqs step is the farm's failure; a package
 * whose dependencies cannot be installed has an ERROR.
 */
import type { NetworkPolicy, Platform } from '../index.ts';
import { keys, objectNames, readRecord, type BuildRecord, type FarmConnection, type JobRecord, type SubmittedVersion } from '../../protocol/index.ts';
import type { AgentConfig } from './config.ts';
import { BuildRunner, type BuildOutcome, type PreinstalledPackage } from './build-runner.ts';
import { checkEnvironment, type CheckEnvironment } from './check-environment.ts';
import { errorResult } from './check-log.ts';
import { withItems } from './check-verdict.ts';
import { cacheMount, dependencyCacheFor, DependencyInstaller, dependencyFields } from './dependencies/index.ts';
import type { EgressFence } from './egress-fence.ts';
import type { EgressNetwork } from './egress-network.ts';
import type { OutputPublisher } from './output-publisher.ts';
import type { SandboxHost } from './sandboxed-process.ts';
import { SystemRequirements } from './system-requirements.ts';

/** What builds run with on this agent. */
export interface BuildExecutorDeps {
  readonly config: AgentConfig;
  readonly platform: Platform;
  /** This worker's R version (its dependency cache is per R version). */
  readonly rVersion: string;
  readonly farm: FarmConnection;
  readonly sandbox: SandboxHost;
  readonly egress: EgressFence;
  /** The check's network: the platform's catalogue setting, else this agent's FARM_CHECK_NETWORK. */
  readonly network: NetworkPolicy;
}

/** Runs builds' steps on this agent. */
export class BuildExecutor {
  constructor(private readonly deps: BuildExecutorDeps) {}

  /** The job's check command and environment on this platform (check-environment.ts decides). */
  checkSettings(job: JobRecord): CheckEnvironment {
    const library = cacheMount(dependencyCacheFor(this.deps.config.dependencyCacheDir, this.deps.platform.id, this.deps.rVersion)).sandboxPath;
    const tarball = `${job.package}_${job.version}.tar.gz`;
    return checkEnvironment({ checkArgs: job.checkArgs, platformEnv: this.deps.platform.checkEnvironment, jobEnv: job.env, libraryPaths: [library], tarball });
  }

  /** System requirements, R dependencies, then the build itself; a failed sysreqs step is the farm's failure. */
  async execute(
    job: JobRecord,
    build: BuildRecord,
    jobDir: string,
    upload: Uint8Array,
    output: OutputPublisher,
    cancel: AbortSignal,
    check: CheckEnvironment,
  ): Promise<BuildOutcome> {
    let missing: string[] = [];
    if (this.deps.config.sysreqsUrl) {
      const sysreqs = new SystemRequirements(this.deps.config.sysreqsUrl, this.deps.platform, this.deps.config.installSysreqs);
      // The upload, so the service also reads configure and src/Makevars* (never executed).
      const prepared = await sysreqs.prepare(job.description, output, upload, { waitMs: this.deps.config.sysreqsWaitSeconds * 1000, cancel });
      if (prepared.cancelled) return { kind: 'stopped', reason: 'cancelled', detail: 'waiting for the sysreqs service', artifacts: [] };
      // Having waited its whole bound, the build ends: another attempt would wait again.
      if (prepared.failure) return { kind: 'infrastructure', reason: prepared.failure, artifacts: [], final: prepared.unavailable };
      missing = prepared.missing;
    }
    const limits = {
      deadline: Date.parse(build.startedAt ?? new Date().toISOString()) + this.deps.config.wallTimeSeconds * 1000,
      silenceMs: this.deps.config.silenceSeconds * 1000,
      outputLimitBytes: this.deps.config.outputLimitBytes,
      cancel,
    };
    const cache = dependencyCacheFor(this.deps.config.dependencyCacheDir, this.deps.platform.id, this.deps.rVersion);
    const installer = new DependencyInstaller(cache, this.deps.config.rRepos, this.deps.sandbox, limits, output);
    // Checked against a submitted version: that version is installed by the build, not from the repositories.
    const dependencies = await installer.install({
      description: job.description,
      fields: dependencyFields(check.env, check.installsSuggests),
      provided: job.against ? [job.against.package] : [],
    });
    if (dependencies.kind === 'infrastructure') return { kind: 'infrastructure', reason: dependencies.reason, artifacts: [] };
    if (dependencies.kind === 'stopped') return { kind: 'stopped', reason: dependencies.reason, detail: 'installing R dependencies', artifacts: [] };
    if (dependencies.kind === 'package-error') {
      return { kind: 'checked', result: errorResult('installing R dependencies', dependencies.message), artifacts: [] };
    }
    const preinstall = job.against ? await this.submittedVersion(job.against, installer, check, output) : [];
    if (!Array.isArray(preinstall)) return preinstall;
    let egress: EgressNetwork | null = null;
    if (this.deps.network === 'egress') {
      try {
        egress = await this.deps.egress.open();
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
        platformEnv: this.deps.platform.checkEnvironment,
        libraries: [cacheMount(cache)],
        freshBinary: job.publish === true,
        networkNamespace: egress?.namespace,
        preinstall,
      },
      this.deps.sandbox,
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
      readRecord<JobRecord>(this.deps.farm.jobs, keys.job(against.jobId)),
      this.deps.farm.uploads.getBlob(objectNames.upload(against.jobId)),
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
