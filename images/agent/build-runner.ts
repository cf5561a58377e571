/**
 * One build, start to end, on this host: (R CMD build when the upload is not a built package),
 * R CMD check, and, for a build that will be published, R CMD INSTALL --build in a fresh sandbox
 * from the stored source package. It tells the package's own failures (a finished check with
 * ERROR) apart from the farm's (the sandbox or R could not run).
 *
 * Trust: the job directory is the package's. The source package is stored privately (with its
 * digest) before the check runs any of its code and put back into the job directory for the check;
 * the verdict comes from check-verdict.ts; files are taken through build-artifacts.ts.
 */
import { chownSync, lstatSync, mkdirSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckItem, CheckResult } from '../../protocol/index.ts';
import { ARTIFACT_LIMITS, artifactOf, takeBinaries, takeCheckLogs, takeFromJobDirectory, type ArtifactFile } from './build-artifacts.ts';
import { checkEnvironment } from './check-environment.ts';
import { errorResult } from './check-log.ts';
import { checkVerdict, withItems } from './check-verdict.ts';
import type { NetworkNamespace } from './network-policy.ts';
import type { ReadOnlyMount } from './sandbox.ts';
import { runSandboxed, type BuildLimits, type OutputSink, type ProcessOutcome, type SandboxHost, type StopReason } from './sandboxed-process.ts';

export type { ArtifactFile } from './build-artifacts.ts';

/** What to build; the upload's bytes are given, the job directory is empty. */
export interface BuildPlan {
  /** The build's directory, the only one its sandbox may write. */
  readonly jobDir: string;
  readonly upload: Buffer;
  readonly packageName: string;
  readonly version: string;
  /** The upload is the output of R CMD build (its DESCRIPTION has `Packaged:`). */
  readonly prebuilt: boolean;
  readonly checkArgs: readonly string[];
  /** Extra environment for the check (allow-listed by the control plane). */
  readonly env: Readonly<Record<string, string>>;
  /** The platform's own check environment (catalogue); `env` wins over it. */
  readonly platformEnv?: Readonly<Record<string, string>>;
  /** Libraries the check may read but not change (the dependency cache). */
  readonly libraries: readonly ReadOnlyMount[];
  /** Build the binary again in a fresh sandbox from the stored source (for publishing). */
  readonly freshBinary: boolean;
  /** Under the `egress` policy: the build's fenced network namespace, shared by its steps; unset: no network. */
  readonly networkNamespace?: NetworkNamespace;
  /**
   * Packages installed into the build's own library (first on the check's library path) before
   * the check: a reverse-dependency check against a submitted version of one of its dependencies.
   */
  readonly preinstall?: readonly PreinstalledPackage[];
}

/** A package source tarball to install ahead of the dependency cache. */
export interface PreinstalledPackage {
  readonly packageName: string;
  readonly version: string;
  readonly data: Buffer;
}

export type BuildOutcome =
  | { readonly kind: 'checked'; readonly result: CheckResult; readonly artifacts: ArtifactFile[] }
  | { readonly kind: 'stopped'; readonly reason: StopReason; readonly detail: string; readonly artifacts: ArtifactFile[] }
  | {
      readonly kind: 'infrastructure';
      readonly reason: string;
      readonly artifacts: ArtifactFile[];
      /** Not worth another attempt. */ readonly final?: boolean;
    };

/** Raised inside the runner when the farm, not the package, failed. */
class InfrastructureFailure extends Error {
  override name = 'InfrastructureFailure';
}
/** Raised inside the runner when a limit or a cancel stopped a step. */
class StoppedByLimit extends Error {
  override name = 'StoppedByLimit';
  constructor(
    readonly reason: StopReason,
    readonly step: string,
    readonly detail: string,
  ) {
    super(`${step} stopped: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * Makes an empty directory a sandbox of `host` can write and nobody else can read. A fresh name
 * (the usual case) takes two system calls, made synchronously: a build's start waits for them, and
 * each trip through libuv's thread pool costs more than the call itself on a busy host.
 */
export async function makeSandboxDirectory(host: SandboxHost, dir: string): Promise<void> {
  if (!lstatSync(dir, { throwIfNoEntry: false })) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (host.buildIdentity) chownSync(dir, host.buildIdentity.uid, host.buildIdentity.gid);
    return;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (host.buildIdentity) await chown(dir, host.buildIdentity.uid, host.buildIdentity.gid);
}

export class BuildRunner {
  /** The built source package, taken before any check ran; what is checked, offered and published. */
  private source: ArtifactFile | null = null;
  /** 00check.log and 00install.out as taken right after the check (null until it ran). */
  private checkLogs: ArtifactFile[] | null = null;
  /** Files the build left that the farm refused; each becomes an ERROR item. */
  private readonly refused: CheckItem[] = [];

  constructor(
    private readonly plan: BuildPlan,
    private readonly host: SandboxHost,
    private readonly limits: BuildLimits,
    private readonly sink: OutputSink,
  ) {}

  private get tarballName(): string {
    return `${this.plan.packageName}_${this.plan.version}.tar.gz`;
  }

  /** The check's command and environment: decided in check-environment.ts, the same for every step. */
  private settings() {
    const { checkArgs, env, platformEnv, libraries } = this.plan;
    return checkEnvironment({ checkArgs, jobEnv: env, platformEnv, libraryPaths: libraries.map((library) => library.sandboxPath), tarball: this.tarballName });
  }

  private environment(): Record<string, string> {
    return { ...this.settings().env };
  }

  /** Runs one step in the sandbox of `jobDir`; announces it as a section of the output. */
  private async step(title: string, command: string[], jobDir = this.plan.jobDir): Promise<ProcessOutcome> {
    this.sink.write(`\n>>> rfarm: ${title}\n$ ${command.join(' ')}\n`);
    const spec = {
      jobDir,
      command,
      env: this.environment(),
      readOnly: this.plan.networkNamespace ? [...this.plan.libraries, ...this.host.system.egressMounts] : this.plan.libraries,
      networkNamespace: this.plan.networkNamespace,
      system: this.host.system,
      identity: this.host.buildIdentity,
      limits: this.host.limits,
    };
    const outcome = await runSandboxed(spec, this.limits, this.sink, this.host.guards);
    if (outcome.stopped) throw new StoppedByLimit(outcome.stopped, title, outcome.stopDetail);
    if (outcome.spawnError) throw new InfrastructureFailure(`could not start the sandbox for ${title}: ${outcome.spawnError.message}`);
    if (outcome.outOfMemory) this.sink.write(`\n>>> rfarm: ${title}: a process was killed for using more than the build's memory limit\n`);
    // 126/127: the shell found no R.
    if (outcome.exitCode === 126 || outcome.exitCode === 127) {
      throw new InfrastructureFailure(`${title}: command not found on this host (exit ${outcome.exitCode})`);
    }
    return outcome;
  }

  /** Writes a file of the agent's into a job directory, replacing whatever the package put there. */
  private async place(dir: string, name: string, data: Buffer): Promise<void> {
    const path = join(dir, name);
    await rm(path, { recursive: true, force: true });
    await writeFile(path, data, { flag: 'wx', mode: 0o644 });
    if (this.host.buildIdentity) await chown(path, this.host.buildIdentity.uid, this.host.buildIdentity.gid);
  }

  /** Runs the whole build. Never throws for the package's own problems. */
  async run(): Promise<BuildOutcome> {
    try {
      await this.place(this.plan.jobDir, 'upload.tar.gz', this.plan.upload);
      for (const dir of ['home', 'lib']) await mkdir(join(this.plan.jobDir, dir));
      if (this.host.buildIdentity) {
        for (const dir of ['home', 'lib']) await chown(join(this.plan.jobDir, dir), this.host.buildIdentity.uid, this.host.buildIdentity.gid);
      }
      const probe = await this.step('starting the sandbox', ['true']);
      if (probe.exitCode !== 0) throw new InfrastructureFailure(`the sandbox did not start: ${probe.tail.trim()}`);
      const preinstallError = await this.preinstall();
      if (preinstallError) return { kind: 'checked', result: withItems(preinstallError, this.refused), artifacts: await this.artifacts() };
      const buildError = await this.buildSourcePackage();
      if (buildError) return { kind: 'checked', result: withItems(buildError, this.refused), artifacts: await this.artifacts() };
      const checked = await this.check();
      const binaries = await this.binaries(checked);
      const result = withItems(checked, this.refused);
      return { kind: 'checked', result, artifacts: [...(await this.artifacts()), ...binaries] };
    } catch (error) {
      const artifacts = await this.artifacts().catch(() => []);
      if (error instanceof StoppedByLimit) return { kind: 'stopped', reason: error.reason, detail: error.message, artifacts };
      if (error instanceof InfrastructureFailure) return { kind: 'infrastructure', reason: error.message, artifacts };
      return { kind: 'infrastructure', reason: `agent error: ${(error as Error).message}`, artifacts };
    }
  }

  /** Installs `preinstall` into the job's own library (`lib`, first on R_LIBS); an install that fails is the package's ERROR. */
  private async preinstall(): Promise<CheckResult | null> {
    for (const extra of this.plan.preinstall ?? []) {
      const file = `preinstall-${extra.packageName}.tar.gz`;
      await this.place(this.plan.jobDir, file, extra.data);
      const title = `installing ${extra.packageName} ${extra.version} (the submitted version) into the build's own library`;
      const install = await this.step(title, ['R', 'CMD', 'INSTALL', '--no-test-load', '-l', 'lib', file]);
      if (install.exitCode !== 0) return errorResult(title, install.tail.trim() || 'R CMD INSTALL failed');
    }
    return null;
  }

  /** The source package: the upload itself, or what R CMD build made of it; stored before the check. */
  private async buildSourcePackage(): Promise<CheckResult | null> {
    if (this.plan.prebuilt) {
      this.sink.write('\n>>> rfarm: using the uploaded package as built\n');
      this.source = artifactOf(this.tarballName, this.plan.upload);
    } else {
      await this.step('unpacking the upload', ['sh', '-c', 'mkdir -p src && tar -xzf upload.tar.gz -C src']);
      const build = await this.step('R CMD build', ['R', 'CMD', 'build', '--no-manual', `src/${this.plan.packageName}`]);
      const built = await takeFromJobDirectory(this.plan.jobDir, this.tarballName, this.tarballName, ARTIFACT_LIMITS.packageBytes, this.refused);
      if (build.exitCode !== 0 || !built) return errorResult('R CMD build', build.tail.trim() || 'R CMD build made no source package');
      this.source = built;
    }
    this.sink.write(`>>> rfarm: source package ${this.tarballName}, sha256 ${this.source.sha256}\n`);
    await this.place(this.plan.jobDir, this.tarballName, this.source.data);
    return null;
  }

  private async check(): Promise<CheckResult> {
    const command = [...this.settings().command];
    const outcome = await this.step('R CMD check', command);
    // Read once, after the check's sandbox is gone: the verdict and the artifacts use the same bytes.
    this.checkLogs = await takeCheckLogs(this.plan.jobDir, this.plan.packageName, this.refused);
    const log = this.checkLogs.find((file) => file.name === '00check.log');
    return checkVerdict({ console: outcome.text, log: log ? log.data.toString('utf8') : null, exitCode: outcome.exitCode });
  }

  /** The binary package: from the check's install, or made afresh from the stored source when it will be published. */
  private async binaries(result: CheckResult): Promise<ArtifactFile[]> {
    const installFailed = result.items.some((item) => item.severity === 'ERROR' && /can be installed/.test(item.check));
    if (installFailed) return [];
    if (!this.plan.freshBinary) {
      const fromCheck = await takeBinaries(this.plan.jobDir, this.plan.packageName, this.plan.version, this.refused);
      if (fromCheck.length > 0) return fromCheck;
    }
    return this.freshBinary();
  }

  /** R CMD INSTALL --build of the stored source package, in a sandbox that has seen nothing else. */
  private async freshBinary(): Promise<ArtifactFile[]> {
    if (!this.source) return [];
    const dir = `${this.plan.jobDir}-binary`;
    await makeSandboxDirectory(this.host, dir);
    try {
      await this.place(dir, this.tarballName, this.source.data);
      await mkdir(join(dir, 'binlib'));
      if (this.host.buildIdentity) await chown(join(dir, 'binlib'), this.host.buildIdentity.uid, this.host.buildIdentity.gid);
      const install = await this.step(
        'R CMD INSTALL --build (binary package, in a fresh sandbox from the stored source)',
        ['R', 'CMD', 'INSTALL', '--build', '-l', 'binlib', this.tarballName],
        dir,
      );
      if (install.exitCode !== 0) return [];
      return await takeBinaries(dir, this.plan.packageName, this.plan.version, this.refused);
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The source package (the stored copy) and the check's logs: what any finished, failed or stopped build leaves. */
  async artifacts(): Promise<ArtifactFile[]> {
    const found: ArtifactFile[] = this.source ? [this.source] : [];
    found.push(...(this.checkLogs ?? (await takeCheckLogs(this.plan.jobDir, this.plan.packageName, []))));
    return found;
  }
}
