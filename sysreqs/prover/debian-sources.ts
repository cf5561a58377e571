/**
 * CRAN source tarballs from Debian's archive: `apt-get source --download-only r-cran-<name>` gives
 * the CRAN tarball as the `.orig.tar.*`. Uses a private apt configuration (deb-src for the suite) in
 * the prover's cache folder, never the machine's. Debian repacks some sources (`+dfsg`, `+ds`) to
 * drop bundled code; such tarballs are marked, since a repack may need a system library the CRAN
 * tarball does not.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './build-environment.ts';

/** A downloaded source. */
export interface DebianSource {
  /** The Debian source package, e.g. r-cran-xml2. */
  readonly sourcePackage: string;
  /** Upstream version as Debian spells it, e.g. 1.3.3 or 1.6.1+dfsg. */
  readonly version: string;
  /** Whether Debian repacked the upstream tarball (+dfsg / +ds). */
  readonly repacked: boolean;
  /** Path of the tarball as .tar.gz (converted from .xz / .bz2 when needed). */
  readonly tarball: string;
  /** The Debian suite it came from. */
  readonly suite: string;
}

/** The cache sub-folder of a suite (bookworm keeps the unsuffixed names of earlier caches). */
const suiteFolder = (base: string, suite: string) => (suite === 'bookworm' ? base : `${base}-${suite}`);

/** The private apt configuration: a suite's deb-src lists under `cacheDir/apt[-suite]`. */
async function aptConfig(cacheDir: string, suite: string): Promise<string> {
  const dir = join(cacheDir, suiteFolder('apt', suite));
  const config = join(dir, 'apt.conf');
  if (existsSync(join(dir, 'updated'))) return config;
  for (const sub of ['lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    join(dir, 'sources.list.d', `${suite}-src.sources`),
    `Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: ${suite}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
  );
  writeFileSync(
    config,
    [
      `Dir::State "${dir}/";`,
      `Dir::State::Lists "${dir}/lists/";`,
      `Dir::Cache "${dir}/cache/";`,
      'Dir::Etc::SourceList "/dev/null";',
      `Dir::Etc::SourceParts "${dir}/sources.list.d/";`,
      `Dir::Etc::PreferencesParts "${dir}/preferences.d/";`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'status'), '');
  const update = await runCommand(['apt-get', 'update'], { env: { ...process.env, APT_CONFIG: config }, timeoutMs: 300_000 });
  if (update.exitCode !== 0) throw new Error(`apt-get update for ${suite} sources failed: ${update.output.trim().split('\n').slice(-3).join(' ')}`);
  writeFileSync(join(dir, 'updated'), new Date().toISOString());
  return config;
}

/**
 * Downloads the CRAN tarball of an R package from the first of `suites` whose archive has it (the
 * archive reachable here answers 404 for many of bookworm's superseded tarballs); a string says why not.
 */
export async function downloadDebianSource(rPackage: string, cacheDir: string, suites: readonly string[] = ['bookworm']): Promise<DebianSource | string> {
  for (const suite of suites) {
    const found = await downloadFromSuite(rPackage, cacheDir, suite);
    if (typeof found !== 'string') return found;
  }
  return `no source in ${suites.join(' or ')}, or the archive answered 404 for ${rPackage}'s .orig tarball`;
}

async function downloadFromSuite(rPackage: string, cacheDir: string, suite: string): Promise<DebianSource | string> {
  const config = await aptConfig(cacheDir, suite);
  const lower = rPackage.toLowerCase();
  for (const sourcePackage of [`r-cran-${lower}`, `r-bioc-${lower}`, lower]) {
    const dir = join(cacheDir, suiteFolder('sources', suite), sourcePackage);
    mkdirSync(dir, { recursive: true });
    const find = () => readdirSync(dir).find((name) => name.startsWith(`${sourcePackage}_`) && /\.orig\.tar\.(gz|xz|bz2)$/.test(name));
    if (!find())
      await runCommand(['apt-get', 'source', '--download-only', sourcePackage], { env: { ...process.env, APT_CONFIG: config }, timeoutMs: 300_000, cwd: dir });
    const orig = find();
    if (!orig) continue;
    const version = orig.slice(sourcePackage.length + 1).replace(/\.orig\.tar\.(gz|xz|bz2)$/, '');
    let tarball = join(dir, orig);
    if (!orig.endsWith('.gz')) {
      const converted = join(dir, `${sourcePackage}_${version}.tar.gz`);
      if (!existsSync(converted)) {
        const result = await runCommand(['sh', '-c', `${orig.endsWith('.xz') ? 'xz' : 'bzip2'} -dc "$0" | gzip -c > "$1"`, tarball, converted], {
          timeoutMs: 120_000,
        });
        if (result.exitCode !== 0) return `could not convert ${orig} to .tar.gz`;
      }
      tarball = converted;
    }
    return { sourcePackage, version, repacked: /\+(?:dfsg|ds)/.test(version), tarball, suite };
  }
  return `no source in ${suite}`;
}
