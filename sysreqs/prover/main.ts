/**
 * `npm run sysreqs:prove -- --image <image> [options]`: proof by building (see prover.ts).
 *
 *   --image rootfs:<dir> | docker:<image>   where to build (required; see build-environment.ts)
 *   --make-rootfs <dir>                     first make a Debian 12 root file system there with
 *                                           mmdebstrap (R, r-base-dev, pkg-config; needs root)
 *   --platform debian-12                    the sysreqs platform the image is (default debian-12)
 *   --packages a,b,c | --packages-file f    R packages to prove (one per line in the file)
 *   --cache <dir>                           sources and per-build results (default /var/cache/rfarm-prove)
 *   --jobs 2                                builds at once
 *   --timeout 1200                          seconds per install or build step
 *   --bar 0.95                              exit 1 when the build rate with the answer is below this
 *   --suites bookworm,trixie                Debian suites to take sources from, the first that has
 *                                           it (default: bookworm for debian-12, trixie for debian-13)
 *   --answers <file.json>                   build with these answers ({"pkg": ["deb", …]}, e.g. another
 *                                           database's) instead of the resolver's
 *   --json <file>                           also write the proofs as JSON
 *   --cached-only                           build nothing: report what the cache holds
 *   --sources-to <dir>                      only download the sources, as <dir>/<package>.tar.gz (what the
 *                                           development-set benchmark reads with SYSREQS_DEV_SOURCES)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR } from '../config.ts';
import { resolvePlatform } from '../platforms.ts';
import { loadRuleDatabase } from '../rule-database.ts';
import { environmentFor, runCommand } from './build-environment.ts';
import { proofTable, summarise } from './prove-report.ts';
import { downloadDebianSource } from './debian-sources.ts';
import { provePackages } from './prover.ts';

const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    'make-rootfs': { type: 'string' },
    platform: { type: 'string', default: 'debian-12' },
    packages: { type: 'string' },
    'packages-file': { type: 'string' },
    cache: { type: 'string', default: '/var/cache/rfarm-prove' },
    jobs: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '1200' },
    bar: { type: 'string', default: '0.95' },
    json: { type: 'string' },
    suites: { type: 'string' },
    answers: { type: 'string' },
    'sources-to': { type: 'string' },
    'cached-only': { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`rfarm sysreqs:prove: ${message}`);
  process.exit(2);
}

if (values['make-rootfs']) {
  const dir = values['make-rootfs'];
  if (existsSync(dir)) fail(`${dir} exists; remove it or choose another folder`);
  console.log(`making a Debian 12 root file system in ${dir} with mmdebstrap (several minutes)…`);
  const made = await runCommand(
    ['mmdebstrap', '--variant=minbase', '--include=r-base-dev,ca-certificates,pkg-config', 'bookworm', dir, 'http://deb.debian.org/debian'],
    { timeoutMs: 3_600_000 },
  );
  if (made.exitCode !== 0) fail(`mmdebstrap failed:\n${made.output.trim().split('\n').slice(-5).join('\n')}`);
  const updated = await runCommand(['chroot', dir, 'apt-get', 'update'], { timeoutMs: 600_000 });
  if (updated.exitCode !== 0) fail(`apt-get update in ${dir} failed:\n${updated.output.trim().split('\n').slice(-5).join('\n')}`);
  console.log(`made ${dir}; use --image rootfs:${dir}`);
}

const names = [...(values.packages ?? '').split(','), ...(values['packages-file'] ? readFileSync(values['packages-file'], 'utf8').split('\n') : [])]
  .map((name) => name.trim())
  .filter(Boolean);
if (names.length === 0) fail('give --packages a,b,c or --packages-file <file>');

const suites = (values.suites ?? (values.platform === 'debian-13' ? 'trixie' : 'bookworm'))
  .split(',')
  .map((suite) => suite.trim())
  .filter(Boolean);

if (values['sources-to']) {
  const dir = values['sources-to'];
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const source = await downloadDebianSource(name, values.cache as string, suites);
    if (typeof source === 'string') console.error(`${name}: ${source}`);
    else copyFileSync(source.tarball, `${dir}/${name}.tar.gz`);
  }
  process.exit(0);
}

if (!values.image) fail('give --image rootfs:<dir> or --image docker:<image>');
const environment = (() => {
  try {
    return environmentFor(values.image as string, `${values.cache}/scratch`);
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const answers: Record<string, string[]> | undefined = values.answers ? JSON.parse(readFileSync(values.answers, 'utf8')) : undefined;
const proofs = await provePackages(names, {
  suites,
  cachedOnly: values['cached-only'],
  ...(answers ? { answerOf: (name: string) => answers[name] ?? [] } : {}),
  rules: loadRuleDatabase(DEFAULT_RULES_DIR),
  platform: resolvePlatform(values.platform as string),
  environment,
  cacheDir: values.cache as string,
  concurrency: Number(values.jobs),
  timeoutMs: Number(values.timeout) * 1000,
  onProof: (proof) =>
    console.error(
      `${proof.package}: ${proof.skipped ?? `${proof.withoutSysreqs?.outcome} without sysreqs, ${proof.withAnswer?.outcome} with [${proof.answer.join(' ')}]`}`,
    ),
});
console.log(proofTable(proofs, environment.image));
if (values.json) writeFileSync(values.json, JSON.stringify({ image: environment.image, summary: summarise(proofs), proofs }, null, 1));
process.exit(summarise(proofs).buildRate >= Number(values.bar) ? 0 : 1);
