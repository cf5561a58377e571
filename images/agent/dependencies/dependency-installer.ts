/**
 * The install step before a check: R (install-dependencies.R) works out what the package needs
 * and installs what is missing into the host's shared dependency cache. It runs in bubblewrap with
 * the network (it must reach the repositories) and with the cache as its only writable directory;
 * installs into one cache take turns on an flock'd file, and a package appears in the cache in one
 * rename, so a check reading the cache never sees half a package.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SANDBOX_JOB_DIR } from '../sandbox.ts';
import { readUntrustedFile } from '../untrusted-files.ts';
import { declaredDependencies } from './suggests-policy.ts';
import { runSandboxed, type BuildLimits, type OutputSink, type SandboxHost, type StopReason } from '../sandboxed-process.ts';
import { ensureDependencyCache, type DependencyCache } from './dependency-cache.ts';

/** What the install step asks of R. */
export interface DependencyRequest {
  /** The package's DESCRIPTION. */
  readonly description: string;
  /** DESCRIPTION fields to satisfy, e.g. Depends, Imports, LinkingTo (and Suggests). */
  readonly fields: readonly string[];
  /**
   * Packages the build installs itself (the submitted version a reverse dependency is checked
   * against): left out here, whatever version the DESCRIPTION asks for — the repositories may
   * have only an older one.
   */
  readonly provided?: readonly string[];
}

export type DependencyOutcome =
  /** Everything is installed; `installed` lists what this step added to the cache (empty: all cached). */
  | { readonly kind: 'ready'; readonly installed: string[]; readonly seconds: number }
  /** The package's problem: a dependency no repository has, or one that does not install. */
  | { readonly kind: 'package-error'; readonly message: string }
  /** The farm's problem: a repository unreachable, a download failed, R or the sandbox broke. */
  | { readonly kind: 'infrastructure'; readonly reason: string }
  | { readonly kind: 'stopped'; readonly reason: StopReason };

/** The R script of the step; the sandbox host stages it where the step's uid can read it. */
export const INSTALL_SCRIPT = fileURLToPath(new URL('install-dependencies.R', import.meta.url));
const SCRIPT_SANDBOX_DIR = '/rfarm/scripts';
const SCRIPT = `${SCRIPT_SANDBOX_DIR}/install-dependencies.R`;
const LOCK = `${SANDBOX_JOB_DIR}/.lock`;

// Plan without the lock (the common case, everything cached, never waits); install under it,
// where the script looks again: another agent may have installed the same packages meanwhile.
const COMMAND = [
  `Rscript ${SCRIPT} plan; code=$?`,
  '[ "$code" -eq 3 ] || exit "$code"',
  `flock -n ${LOCK} true || echo "another build is installing into this dependency cache; waiting for it"`,
  `exec flock ${LOCK} Rscript ${SCRIPT} install`,
].join('\n');

/** Where the script writes its result lines: a file in the cache directory (the step's only writable one), one per run. */
const RESULT_PREFIX = '.result-';
/** A result file is a few lines; anything larger is not the script's. */
const RESULT_FILE_LIMIT = 64 * 1024;

/** The `rfarm-<name>: <value>` result lines the script writes to its result file. */
export function resultLines(text: string): Record<string, string> {
  const lines: Record<string, string> = {};
  for (const match of text.matchAll(/^rfarm-([a-z-]+):? ?(.*)$/gm)) lines[match[1]] = match[2].trim();
  return lines;
}

/** Reads the result file the step wrote (untrusted-files.ts: no link followed, capped); anything refused reads as no result. Removed afterwards. */
async function readResultFile(root: string, name: string): Promise<string> {
  try {
    return (await readUntrustedFile(root, name, RESULT_FILE_LIMIT))?.toString('utf8') ?? '';
  } catch {
    return '';
  } finally {
    await rm(join(root, name), { force: true }).catch(() => undefined);
  }
}

/** What to do about a dependency no repository has: the three ways a farm gets one. */
export const MISSING_DEPENDENCY_FIX =
  "install it on this build host, publish it to the farm's repository (rfarm submit --publish), or add a repository that has it to the agents' FARM_R_REPOS";

/** Turns the script's exit status and result lines into an outcome. */
export function outcomeOf(exitCode: number | null, results: string, repos: readonly string[], seconds: number, tail = ''): DependencyOutcome {
  const lines = resultLines(results);
  const installed = (lines.installed ?? '').split(/\s+/).filter(Boolean);
  const tried = repos.length ? repos.join(', ') : 'none configured (set FARM_R_REPOS)';
  switch (exitCode) {
    case 0:
      return { kind: 'ready', installed, seconds };
    case 10:
      return {
        kind: 'package-error',
        message: `dependencies not available from any repository: ${lines.missing ?? 'unknown'}; repositories tried: ${tried}. To fix: ${MISSING_DEPENDENCY_FIX}`,
      };
    case 11:
      return { kind: 'infrastructure', reason: `a package repository could not be reached: ${lines.unreachable ?? tried}` };
    case 12:
      return { kind: 'package-error', message: `dependencies failed to install: ${lines.failed ?? 'unknown'} (see the install step in the output)` };
    case 13:
      return { kind: 'infrastructure', reason: `downloading dependencies failed: ${lines['download-failed'] ?? 'unknown'}` };
    default:
      return { kind: 'infrastructure', reason: `the dependency install step ended with exit ${exitCode}: ${tail.trim().split('\n').slice(-3).join(' / ')}` };
  }
}

export class DependencyInstaller {
  constructor(
    private readonly cache: DependencyCache,
    private readonly repos: readonly string[],
    private readonly host: SandboxHost,
    private readonly limits: BuildLimits,
    private readonly sink: OutputSink,
  ) {}

  /** Runs the step as its own section of the build output. */
  async install(request: DependencyRequest): Promise<DependencyOutcome> {
    this.sink.write(`\n>>> rfarm: installing R dependencies (${request.fields.join(', ')})\n`);
    try {
      // Made even when nothing is to be installed: the check mounts it read-only.
      await ensureDependencyCache(this.cache, this.host.installIdentity);
    } catch (error) {
      return { kind: 'infrastructure', reason: `the dependency cache ${this.cache.root} cannot be made: ${(error as Error).message}` };
    }
    const provided = request.provided ?? [];
    if (declaredDependencies(request.description, request.fields).filter((name) => !provided.includes(name)).length === 0) {
      this.sink.write('none: the package needs only R and its base packages\n');
      return { kind: 'ready', installed: [], seconds: 0 };
    }
    this.sink.write(`repositories: ${this.repos.length ? this.repos.join(' ') : '(none)'}\n`);
    const started = Date.now();
    const resultName = `${RESULT_PREFIX}${randomBytes(8).toString('hex')}`;
    const outcome = await runSandboxed(
      {
        // The cache is the step's "job directory": the only host directory it can write to.
        jobDir: this.cache.root,
        command: ['sh', '-c', COMMAND],
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: '/tmp',
          TMPDIR: '/tmp',
          LANG: 'C.UTF-8',
          R_LIBS: `${SANDBOX_JOB_DIR}/staging:${SANDBOX_JOB_DIR}/library`,
          R_LIBS_USER: `${SANDBOX_JOB_DIR}/library`,
          RFARM_DESCRIPTION: request.description,
          RFARM_WHICH: request.fields.join(','),
          RFARM_PROVIDED: provided.join(','),
          RFARM_REPOS: this.repos.join(','),
          RFARM_LIBRARY: `${SANDBOX_JOB_DIR}/library`,
          RFARM_STAGING: `${SANDBOX_JOB_DIR}/staging`,
          RFARM_RESULT: `${SANDBOX_JOB_DIR}/${resultName}`,
          MAKEFLAGS: '-j2',
        },
        readOnly: [{ hostPath: this.host.system.scriptsDir, sandboxPath: SCRIPT_SANDBOX_DIR }],
        network: true,
        system: this.host.system,
        // Its own uid: the only one that may write the cache, which checks read as another uid.
        identity: this.host.installIdentity,
        limits: this.host.limits,
      },
      this.limits,
      this.sink,
      // The cache is shared and grows with every package installed: no per-build quota on it (walking
      // it every few seconds would also cost more and more); the host's free-space floor still holds.
      { ...this.host.guards, diskBytes: Number.POSITIVE_INFINITY },
    );
    const seconds = (Date.now() - started) / 1000;
    const results = await readResultFile(this.cache.root, resultName);
    if (outcome.stopped) return { kind: 'stopped', reason: outcome.stopped };
    if (outcome.spawnError) return { kind: 'infrastructure', reason: `could not start the sandbox for the dependency install: ${outcome.spawnError.message}` };
    if (outcome.signal) return { kind: 'infrastructure', reason: `the dependency install was killed by ${outcome.signal}` };
    const result = outcomeOf(outcome.exitCode, results, this.repos, seconds, outcome.tail);
    this.sink.write(summary(result));
    return result;
  }
}

function summary(outcome: DependencyOutcome): string {
  switch (outcome.kind) {
    case 'ready':
      return outcome.installed.length
        ? `>>> rfarm: dependencies ready in ${outcome.seconds.toFixed(1)} s; installed into the cache now: ${outcome.installed.join(', ')}\n`
        : `>>> rfarm: dependencies ready in ${outcome.seconds.toFixed(1)} s; nothing installed: all from the dependency cache or the host\n`;
    case 'package-error':
      return `>>> rfarm: ${outcome.message}\n`;
    case 'infrastructure':
      return `>>> rfarm: ${outcome.reason}\n`;
    case 'stopped':
      return '';
  }
}
