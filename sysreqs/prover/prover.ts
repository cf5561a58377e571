/**
 * Proof by building: for each package, build its real source in a clean copy of a platform image
 * twice — with no system requirements, and with only the resolver's answer — and classify each
 * build. Results are cached per package, image and answer, so a re-run is fast.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_PACKAGES } from '../../r-metadata/index.ts';
import { parseDescription } from '../description.ts';
import type { SysreqsPlatform } from '../platforms.ts';
import { resolve } from '../resolver.ts';
import type { RuleDatabase } from '../rule-database.ts';
import { readSourceArchive } from '../source-archive.ts';
import type { BuildEnvironment, BuildRun } from './build-environment.ts';
import { classifyBuild, type BuildVerdict } from './build-log.ts';
import { downloadDebianSource } from './debian-sources.ts';

/** One build's result, as cached. */
export interface BuildResult extends BuildVerdict {
  readonly osPackages: readonly string[];
  /** Of `osPackages`, those the image already had (R's own build dependencies, e.g. libpng-dev). */
  readonly alreadyInstalled: readonly string[];
  readonly seconds: number;
}

/** A build as cached: the run and what it installed. */
type CachedRun = BuildRun & { readonly osPackages: readonly string[] };

/** What the prover found for one package. */
export interface PackageProof {
  readonly package: string;
  /** Version of the source built, or undefined when there was none. */
  readonly version?: string;
  /** Debian repacked the tarball (+dfsg / +ds): bundled code may be gone. */
  readonly repacked?: boolean;
  /** Why nothing was built (no source). */
  readonly skipped?: string;
  /** The resolver's answer for the platform. */
  readonly answer: readonly string[];
  readonly withoutSysreqs?: BuildResult;
  readonly withAnswer?: BuildResult;
}

/** Options of `provePackages`. */
export interface ProveOptions {
  readonly rules: RuleDatabase;
  readonly platform: SysreqsPlatform;
  readonly environment: BuildEnvironment;
  readonly cacheDir: string;
  /** Builds at once (2 on a 2-core machine). */
  readonly concurrency: number;
  /** Each step's deadline. */
  readonly timeoutMs: number;
  /** Debian suites to take sources from, first that has it (default bookworm). */
  readonly suites?: readonly string[];
  /** Build only without sysreqs and with this answer instead of the resolver's (e.g. another database's). */
  readonly answerOf?: (name: string) => readonly string[];
  /** Only report what the cache holds; build nothing (a package with a build missing is skipped). */
  readonly cachedOnly?: boolean;
  /** Called as each package finishes. */
  readonly onProof?: (proof: PackageProof) => void;
}

function cacheKey(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

async function buildOnce(
  options: ProveOptions,
  tarball: string,
  osPackages: readonly string[],
  rPackages: readonly string[],
): Promise<BuildResult | undefined> {
  const tarballHash = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const file = join(options.cacheDir, 'results', `${cacheKey([options.environment.image, tarballHash, ...osPackages])}.json`);
  // The cache keeps the run; the verdict is read from its output again, so a better reading applies to old runs.
  const cached: CachedRun | undefined = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  if (!cached && options.cachedOnly) return undefined;
  const run: CachedRun = cached ?? { ...(await options.environment.build({ tarball, osPackages, rPackages, timeoutMs: options.timeoutMs })), osPackages };
  if (!cached) {
    mkdirSync(join(options.cacheDir, 'results'), { recursive: true });
    writeFileSync(file, JSON.stringify(run));
  }
  const verdict: BuildVerdict =
    run.installExitCode !== 0
      ? { outcome: 'other failure', what: 'apt-get install failed', line: run.output.trim().split('\n').slice(-2).join(' ').slice(0, 200) }
      : classifyBuild(run.exitCode, run.output);
  const alreadyInstalled = /^>>> already in the image:(.*)$/m.exec(run.output)?.[1].trim().split(/\s+/).filter(Boolean) ?? [];
  return { ...verdict, osPackages, alreadyInstalled, seconds: Math.round(run.seconds) };
}

/** Proves one package: source, answer, the two builds. */
export async function provePackage(name: string, options: ProveOptions): Promise<PackageProof> {
  const source = await downloadDebianSource(name, options.cacheDir, options.suites);
  if (typeof source === 'string') return { package: name, skipped: source, answer: [] };
  const archive = await readSourceArchive(readFileSync(source.tarball));
  const record = { ...parseDescription(archive.description), buildFiles: archive.buildFiles, includes: archive.includes };
  const answer = options.answerOf ? [...options.answerOf(name)] : [...resolve(options.rules, options.platform, [record]).packages];
  const rPackages = [...record.depends, ...record.imports, ...record.linkingTo]
    .filter((dependency) => !BASE_PACKAGES.has(dependency))
    .flatMap((dependency) => [`r-cran-${dependency.toLowerCase()}`, `r-bioc-${dependency.toLowerCase()}`]);
  const withoutSysreqs = await buildOnce(options, source.tarball, [], rPackages);
  const withAnswer = answer.length === 0 ? withoutSysreqs : await buildOnce(options, source.tarball, answer, rPackages);
  if (!withoutSysreqs || !withAnswer) return { package: name, skipped: 'not built yet (--cached-only)', answer };
  return {
    package: name,
    version: source.suite === 'bookworm' ? source.version : `${source.version} (${source.suite})`,
    repacked: source.repacked,
    answer,
    withoutSysreqs,
    withAnswer,
  };
}

/** Proves packages, `concurrency` at a time, in the given order. */
export async function provePackages(names: readonly string[], options: ProveOptions): Promise<PackageProof[]> {
  const proofs: PackageProof[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < names.length; index = next++) {
      proofs[index] = await provePackage(names[index], options).catch((error: Error) => ({
        package: names[index],
        skipped: `prover error: ${error.message}`,
        answer: [],
      }));
      options.onProof?.(proofs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return proofs;
}
