/**
 * One build, start to end, on this host: (R CMD build when the upload is not a built package),
 * R CMD check, R CMD INSTALL --build, each in the sandbox. It tells the package's own failures
 * (a finished check with ERROR) apart from the farm's (the sandbox or R could not run).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckResult } from '../../protocol/index.ts';
import { errorResult, parseCheckLog } from './check-log.ts';
import { SANDBOX_JOB_DIR, type ReadOnlyMount } from './sandbox.ts';
import { runSandboxed, type BuildLimits, type OutputSink, type ProcessOutcome, type StopReason } from './sandboxed-process.ts';

/** What to build; the upload already sits at `<jobDir>/upload.tar.gz`. */
export interface BuildPlan {
  readonly jobDir: string;
  readonly packageName: string;
  readonly version: string;
  /** The upload is the output of R CMD build (its DESCRIPTION has `Packaged:`). */
  readonly prebuilt: boolean;
  readonly checkArgs: readonly string[];
  /** Extra environment for the check (allow-listed by the control plane). */
  readonly env: Readonly<Record<string, string>>;
  /** Libraries the check may read but not change (the dependency cache). */
  readonly libraries: readonly ReadOnlyMount[];
}

/** A file to keep, by its artifact name. */
export interface ArtifactFile {
  readonly name: string;
  readonly path: string;
}

export type BuildOutcome =
  | { readonly kind: 'checked'; readonly result: CheckResult; readonly artifacts: ArtifactFile[] }
  | { readonly kind: 'stopped'; readonly reason: StopReason; readonly detail: string; readonly artifacts: ArtifactFile[] }
  | { readonly kind: 'infrastructure'; readonly reason: string; readonly artifacts: ArtifactFile[] };

/** Raised inside the runner when the farm, not the package, failed. */
class InfrastructureFailure extends Error {
  override name = 'InfrastructureFailure';
}
/** Raised inside the runner when a limit or a cancel stopped a step. */
class StoppedByLimit extends Error {
  override name = 'StoppedByLimit';
  constructor(readonly reason: StopReason, readonly step: string) {
    super(`${step} stopped: ${reason}`);
  }
}

const FILE_SIZE_LIMIT = 2_000_000_000;

export class BuildRunner {
  constructor(
    private readonly plan: BuildPlan,
    private readonly limits: BuildLimits,
    private readonly sink: OutputSink,
  ) {}

  private get tarballName(): string {
    return `${this.plan.packageName}_${this.plan.version}.tar.gz`;
  }

  private environment(): Record<string, string> {
    const libraryPaths = this.plan.libraries.map((library) => library.sandboxPath);
    return {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: `${SANDBOX_JOB_DIR}/home`,
      TMPDIR: '/tmp',
      LANG: 'C.UTF-8',
      R_LIBS_USER: `${SANDBOX_JOB_DIR}/lib`,
      R_LIBS: [`${SANDBOX_JOB_DIR}/lib`, ...libraryPaths].join(':'),
      _R_CHECK_FORCE_SUGGESTS_: 'false',
      _R_CHECK_CRAN_INCOMING_: 'false',
      _R_CHECK_CRAN_INCOMING_REMOTE_: 'false',
      NOT_CRAN: 'true',
      ...this.plan.env,
    };
  }

  /** Runs one step in the sandbox; announces it as a section of the output. */
  private async step(title: string, command: string[]): Promise<ProcessOutcome> {
    this.sink.write(`\n>>> rfarm: ${title}\n$ ${command.join(' ')}\n`);
    const outcome = await runSandboxed(
      {
        jobDir: this.plan.jobDir,
        command,
        env: this.environment(),
        readOnly: this.plan.libraries,
        maxFileBytes: FILE_SIZE_LIMIT,
      },
      this.limits,
      this.sink,
    );
    if (outcome.stopped) throw new StoppedByLimit(outcome.stopped, title);
    if (outcome.spawnError) throw new InfrastructureFailure(`could not start the sandbox for ${title}: ${outcome.spawnError.message}`);
    // 126/127: the shell found no R; a signal we did not send: R crashed outside the check.
    if (outcome.exitCode === 126 || outcome.exitCode === 127) {
      throw new InfrastructureFailure(`${title}: command not found on this host (exit ${outcome.exitCode})`);
    }
    if (outcome.signal) throw new InfrastructureFailure(`${title} was killed by ${outcome.signal}`);
    return outcome;
  }

  /** Runs the whole build. Never throws for the package's own problems. */
  async run(): Promise<BuildOutcome> {
    await mkdir(join(this.plan.jobDir, 'home'), { recursive: true });
    await mkdir(join(this.plan.jobDir, 'lib'), { recursive: true });
    try {
      const probe = await this.step('starting the sandbox', ['true']);
      if (probe.exitCode !== 0) throw new InfrastructureFailure(`the sandbox did not start: ${probe.tail.trim()}`);
      const built = await this.buildSourcePackage();
      if (built) return { kind: 'checked', result: built, artifacts: await this.artifacts() };
      const result = await this.check();
      if (this.installSucceeded(result) && !(await this.hasBinary())) await this.buildBinary();
      return { kind: 'checked', result, artifacts: await this.artifacts() };
    } catch (error) {
      const artifacts = await this.artifacts();
      if (error instanceof StoppedByLimit) return { kind: 'stopped', reason: error.reason, detail: error.message, artifacts };
      if (error instanceof InfrastructureFailure) return { kind: 'infrastructure', reason: error.message, artifacts };
      return { kind: 'infrastructure', reason: `agent error: ${(error as Error).message}`, artifacts };
    }
  }

  /** R CMD build when needed; returns an ERROR result when the package does not build. */
  private async buildSourcePackage(): Promise<CheckResult | null> {
    if (this.plan.prebuilt) {
      const copy = await this.step('using the uploaded package as built', ['cp', 'upload.tar.gz', this.tarballName]);
      if (copy.exitCode !== 0) throw new InfrastructureFailure(`could not copy the upload: ${copy.tail.trim()}`);
      return null;
    }
    await this.step('unpacking the upload', ['sh', '-c', 'mkdir -p src && tar -xzf upload.tar.gz -C src']);
    const build = await this.step('R CMD build', ['R', 'CMD', 'build', '--no-manual', `src/${this.plan.packageName}`]);
    if (build.exitCode === 0 && existsSync(join(this.plan.jobDir, this.tarballName))) return null;
    return errorResult('R CMD build', build.tail.trim());
  }

  private async check(): Promise<CheckResult> {
    // The check's own install also makes the binary package: no second install (bench/: 0.6 s of 4.5 s).
    const command = ['R', 'CMD', 'check', '--no-manual', '--install-args=--build', ...this.plan.checkArgs, this.tarballName];
    const outcome = await this.step('R CMD check', command);
    const log = join(this.plan.jobDir, `${this.plan.packageName}.Rcheck`, '00check.log');
    if (!existsSync(log)) {
      return errorResult('R CMD check', `R CMD check ended (exit ${outcome.exitCode}) before writing 00check.log:\n${outcome.tail.trim()}`);
    }
    return parseCheckLog(await readFile(log, 'utf8'));
  }

  private installSucceeded(result: CheckResult): boolean {
    const install = join(this.plan.jobDir, `${this.plan.packageName}.Rcheck`, '00install.out');
    return existsSync(install) && !result.items.some((item) => item.severity === 'ERROR' && /can be installed/.test(item.check));
  }

  private async hasBinary(): Promise<boolean> {
    const names = await readdir(this.plan.jobDir).catch(() => [] as string[]);
    return names.some((name) => name.startsWith(`${this.plan.packageName}_${this.plan.version}_R_`) && name.endsWith('.tar.gz'));
  }

  /** Fallback when the check's install did not leave a binary (e.g. a check argument skipped it). */
  private async buildBinary(): Promise<void> {
    await this.step('R CMD INSTALL --build (binary package)', ['sh', '-c', `mkdir -p binlib && R CMD INSTALL --build -l binlib ${this.tarballName}`]);
  }

  /** Every artifact that exists now: what a finished, failed or stopped build leaves. */
  async artifacts(): Promise<ArtifactFile[]> {
    const { jobDir, packageName, version } = this.plan;
    const found: ArtifactFile[] = [];
    const names = await readdir(jobDir).catch(() => [] as string[]);
    if (names.includes(this.tarballName)) found.push({ name: this.tarballName, path: join(jobDir, this.tarballName) });
    for (const name of names) {
      if (name.startsWith(`${packageName}_${version}_R_`) && name.endsWith('.tar.gz')) found.push({ name, path: join(jobDir, name) });
    }
    for (const name of ['00check.log', '00install.out']) {
      const path = join(jobDir, `${packageName}.Rcheck`, name);
      if (existsSync(path)) found.push({ name, path });
    }
    return found;
  }
}
