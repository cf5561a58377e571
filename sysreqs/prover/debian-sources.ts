/**
 * CRAN source tarballs from Debian's archive: `apt-get source --download-only r-cran-<name>` gives
 * the CRAN tarball as the `.orig.tar.*`. Uses a private apt configuration (deb-src for bookworm) in
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
}

/** The private apt configuration: bookworm deb-src lists under `cacheDir/apt`. */
async function aptConfig(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, 'apt');
  const config = join(dir, 'apt.conf');
  if (existsSync(join(dir, 'updated'))) return config;
  for (const sub of ['lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'sources.list.d', 'bookworm-src.sources'), 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n');
  writeFileSync(
    config,
    [`Dir::State "${dir}/";`, `Dir::State::Lists "${dir}/lists/";`, `Dir::Cache "${dir}/cache/";`, 'Dir::Etc::SourceList "/dev/null";', `Dir::Etc::SourceParts "${dir}/sources.list.d/";`, `Dir::Etc::PreferencesParts "${dir}/preferences.d/";`, ''].join('\n'),
  );
  writeFileSync(join(dir, 'status'), '');
  const update = await runCommand(['apt-get', 'update'], { env: { ...process.env, APT_CONFIG: config }, timeoutMs: 300_000 });
  if (update.exitCode !== 0) throw new Error(`apt-get update for bookworm sources failed: ${update.output.trim().split('\n').slice(-3).join(' ')}`);
  writeFileSync(join(dir, 'updated'), new Date().toISOString());
  return config;
}

/** Downloads the CRAN tarball of an R package from bookworm's sources; a string says why not. */
export async function downloadDebianSource(rPackage: string, cacheDir: string): Promise<DebianSource | string> {
  const config = await aptConfig(cacheDir);
  const lower = rPackage.toLowerCase();
  for (const sourcePackage of [`r-cran-${lower}`, `r-bioc-${lower}`, lower]) {
    const dir = join(cacheDir, 'sources', sourcePackage);
    mkdirSync(dir, { recursive: true });
    const find = () => readdirSync(dir).find((name) => name.startsWith(`${sourcePackage}_`) && /\.orig\.tar\.(gz|xz|bz2)$/.test(name));
    if (!find()) await runCommand(['apt-get', 'source', '--download-only', sourcePackage], { env: { ...process.env, APT_CONFIG: config }, timeoutMs: 300_000, cwd: dir });
    const orig = find();
    if (!orig) continue;
    const version = orig.slice(sourcePackage.length + 1).replace(/\.orig\.tar\.(gz|xz|bz2)$/, '');
    let tarball = join(dir, orig);
    if (!orig.endsWith('.gz')) {
      const converted = join(dir, `${sourcePackage}_${version}.tar.gz`);
      if (!existsSync(converted)) {
        const result = await runCommand(['sh', '-c', `${orig.endsWith('.xz') ? 'xz' : 'bzip2'} -dc "$0" | gzip -c > "$1"`, tarball, converted], { timeoutMs: 120_000 });
        if (result.exitCode !== 0) return `could not convert ${orig} to .tar.gz`;
      }
      tarball = converted;
    }
    return { sourcePackage, version, repacked: /\+(?:dfsg|ds)/.test(version), tarball };
  }
  return `no source in bookworm, or the archive answered 404 for ${rPackage}'s .orig tarball`;
}
