/**
 * Scores predictions on the development set with its own scorer (shared/sysreqs-bench/score.mjs,
 * `--rule dev --provides`), and reads the development packages' sources: shared by the benchmark test
 * and the misses report (misses.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readSourceArchive, type SourceArchive } from '../../sysreqs/index.ts';
import { BENCH_DIR } from './dev-set.ts';

/**
 * The development packages' source tarballs (`<package>.tar.gz`), made by
 * `npm run sysreqs:prove -- --sources-to <dir> --suites bookworm,trixie --packages-file <names>`.
 */
export const SOURCES_DIR = process.env.SYSREQS_DEV_SOURCES ?? '/var/cache/rfarm-prove/dev-sources';

/** The scorer's figures. */
export interface Score {
  readonly micro: { readonly precision: number; readonly recall: number };
}

/** One package's row of the scorer's per-package output. */
export interface PackageScore {
  readonly package: string;
  /** Build-dependency groups (alternatives joined by `|`) no prediction matched. */
  readonly missed: readonly string[];
  /** Predictions that match no group. */
  readonly spurious: readonly string[];
  readonly systemRequirements: string;
}

/** Scores predictions (`{ "<R package>": ["deb-pkg", …] }`): the micro figures and each package's misses and false positives. */
export async function scoreDevSet(predictions: Record<string, string[]>): Promise<Score & { readonly packages: readonly PackageScore[] }> {
  const bench = BENCH_DIR as string;
  const dir = mkdtempSync(join(tmpdir(), 'sysreqs-bench-'));
  try {
    writeFileSync(join(dir, 'predictions.json'), JSON.stringify(predictions));
    await promisify(execFile)(process.execPath, [
      join(bench, 'score.mjs'),
      '--truth',
      join(bench, 'debian12-dev.json'),
      '--pred',
      join(dir, 'predictions.json'),
      '--rule',
      'dev',
      '--provides',
      join(bench, 'provides-bookworm.json'),
      '--json',
      join(dir, 'score.json'),
      '--per-package',
      join(dir, 'packages.tsv'),
    ]);
    const rows = readFileSync(join(dir, 'packages.tsv'), 'utf8').trimEnd().split('\n').slice(1);
    const words = (text: string | undefined) => (text ?? '').split(' ').filter(Boolean);
    const packages = rows.map((row) => {
      const [name, , , , missed, spurious, systemRequirements] = row.split('\t');
      return { package: name, missed: words(missed), spurious: words(spurious), systemRequirements: systemRequirements ?? '' };
    });
    return { ...(JSON.parse(readFileSync(join(dir, 'score.json'), 'utf8')) as Score), packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The development packages' sources as `POST /resolve` reads them, by package; empty when SOURCES_DIR is absent. */
export async function readDevSources(dir = SOURCES_DIR): Promise<Map<string, SourceArchive>> {
  const sources = new Map<string, SourceArchive>();
  if (!existsSync(dir)) return sources;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tar.gz'))) {
    sources.set(file.slice(0, -'.tar.gz'.length), await readSourceArchive(readFileSync(join(dir, file))));
  }
  return sources;
}
