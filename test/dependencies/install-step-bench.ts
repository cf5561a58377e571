/**
 * Benchmark of the install step: the same dependency set installed into an empty cache, then
 * again with the cache filled. Real R, the real sandboxed step, a repository served on loopback
 * (no farm needed). `npm run bench` calls `benchDependencyInstall`; run this file alone to print
 * one measurement as JSON.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dependencyCacheFor, DependencyInstaller, dependencyFields } from '../../images/agent/dependencies/index.ts';
import { standaloneSandboxHost } from '../../images/agent/sandbox-host.ts';
import { writePackage } from '../support/r-packages.ts';

export interface DependencyInstallBench {
  /** How many packages the dependency set has. */
  readonly packages: number;
  /** The install step with an empty cache: every package downloaded, built and installed. */
  readonly uncachedSeconds: number;
  /** The same step again: everything found in the cache. */
  readonly cachedSeconds: number;
  /** uncached / cached: how many times faster a cached start is. */
  readonly ratio: number;
}

/** A chain of small packages (each imports the previous), built with R CMD build into a CRAN-like tree. */
function buildRepository(root: string, count: number): string[] {
  const contrib = join(root, 'repo', 'src', 'contrib');
  mkdirSync(contrib, { recursive: true });
  const names = Array.from({ length: count }, (_, index) => `benchdep${index + 1}`);
  names.forEach((name, index) => {
    const previous = names[index - 1];
    const folder = writePackage({
      name,
      version: '1.0.0',
      fields: previous ? { Imports: previous } : {},
      files: { NAMESPACE: `export(${name})\n`, [`R/${name}.R`]: `${name} <- function(x) x + ${index}\n` },
    });
    execFileSync('R', ['CMD', 'build', '--no-manual', join(folder, name)], { cwd: contrib, stdio: 'ignore' });
    rmSync(folder, { recursive: true, force: true });
  });
  execFileSync('Rscript', ['-e', `tools::write_PACKAGES("${contrib}")`], { stdio: 'ignore' });
  return names;
}

/** Serves `dir` read-only on a loopback port. */
async function serve(dir: string): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      response.end(readFileSync(join(dir, path)));
    } catch {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

/** Installs a chain of `packages` dependencies into an empty cache, then again; returns both times. */
export async function benchDependencyInstall(packages = 4): Promise<DependencyInstallBench> {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-bench-deps-'));
  // The sandbox's uid must pass through to the cache and the agent's files (not list).
  chmodSync(root, 0o711);
  const names = buildRepository(root, packages);
  const repository = await serve(join(root, 'repo'));
  try {
    const host = await standaloneSandboxHost(join(root, 'agent'));
    const cache = dependencyCacheFor(join(root, 'cache'), 'bench', execFileSync('R', ['--version'], { encoding: 'utf8' }).split('\n')[0]);
    const limits = { deadline: Date.now() + 600_000, silenceMs: 300_000, outputLimitBytes: 100_000_000, cancel: new AbortController().signal };
    let log = '';
    const sink = {
      write: (text: string) => void (log += text),
      get bytes() {
        return log.length;
      },
    };
    const request = {
      description: `Package: benchtarget\nVersion: 1.0.0\nImports: ${names.join(', ')}\n`,
      fields: dependencyFields({ _R_CHECK_FORCE_SUGGESTS_: 'false' }),
    };
    const seconds: number[] = [];
    for (const round of ['uncached', 'cached']) {
      const outcome = await new DependencyInstaller(cache, [repository.url], host, limits, sink).install(request);
      if (outcome.kind !== 'ready') throw new Error(`the ${round} install step did not finish: ${JSON.stringify(outcome)}\n${log}`);
      seconds.push(outcome.seconds);
    }
    return { packages, uncachedSeconds: seconds[0], cachedSeconds: seconds[1], ratio: seconds[0] / Math.max(seconds[1], 0.001) };
  } finally {
    repository.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchDependencyInstall(Number(process.argv[2] ?? 4))));
}
