#!/usr/bin/env node
// Installs what `npm start` / `npm test` need and is missing, before any TypeScript runs (so plain JS).
// npm dependencies from package-lock.json; OS packages from Debian/Ubuntu when running as root,
// otherwise one line saying which command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] === 'test' ? 'test' : 'start';

/** OS packages by the command that proves them present. */
const farmPackages = [
  { pkg: 'nats-server', present: () => findExecutable('nats-server') },
  { pkg: 'r-base-core', present: () => findExecutable('R') },
  { pkg: 'r-base-dev', present: () => debianPackageInstalled('r-base-dev') ?? (findExecutable('gcc') && findExecutable('gfortran')) },
  { pkg: 'bubblewrap', present: () => findExecutable('bwrap') },
  // The sandbox caps file sizes with prlimit.
  { pkg: 'util-linux', present: () => findExecutable('prlimit') },
];
/**
 * The container platforms (FARM_PLATFORMS, and their tests): Debian's Docker engine, and mmdebstrap,
 * which makes the images' Debian bases from the archive (no image registry is needed).
 */
const containerPackages = [
  { pkg: 'docker.io', present: () => findExecutable('dockerd') },
  { pkg: 'mmdebstrap', present: () => findExecutable('mmdebstrap') },
];
/** Only the test suite needs these: a browser for the page tests, R packages for client tests. */
const testPackages = [
  { pkg: 'chromium', present: () => findExecutable('chromium') },
  { pkg: 'r-cran-remotes', present: () => existsSync('/usr/lib/R/site-library/remotes/DESCRIPTION') },
  { pkg: 'r-cran-testthat', present: () => existsSync('/usr/lib/R/site-library/testthat/DESCRIPTION') },
  { pkg: 'curl', present: () => findExecutable('curl') },
  { pkg: 'shellcheck', present: () => findExecutable('shellcheck') },
  // The cloud's TLS material (npm run nats-credentials) and its test.
  { pkg: 'openssl', present: () => findExecutable('openssl') },
  // The egress policy (test/images/network-policy.test.ts, egress-network.test.ts): nft loads the
  // fence into a build's namespace, slirp4netns carries its traffic, ip makes the stand-in namespaces.
  { pkg: 'nftables', present: () => findExecutable('nft') },
  { pkg: 'slirp4netns', present: () => findExecutable('slirp4netns') },
  { pkg: 'iproute2', present: () => findExecutable('ip') },
  // `promtool check config|rules` on the monitoring droplet's generated files (test/infra/monitoring-files.test.ts).
  { pkg: 'prometheus', present: () => findExecutable('promtool') },
];

/** Whether dpkg has the package installed; undefined where there is no dpkg. */
function debianPackageInstalled(name) {
  if (!findExecutable('dpkg-query')) return undefined;
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function findExecutable(name) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/sbin']) {
    if (dir && existsSync(join(dir, name))) return true;
  }
  return false;
}

/** package.json's dependencies that node_modules lacks (a checkout installed before they were added). */
function missingNpmPackages() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  return names.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
}

function installNpmDependencies() {
  if (existsSync(join(root, 'node_modules', '.package-lock.json')) && missingNpmPackages().length === 0) return;
  console.log('rfarm: installing npm dependencies (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function installOsPackages() {
  const containers = mode === 'test' || Boolean(process.env.FARM_PLATFORMS) ? containerPackages : [];
  const wanted = [...farmPackages, ...(mode === 'test' ? testPackages : []), ...containers];
  const missing = wanted.filter((entry) => !entry.present()).map((entry) => entry.pkg);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`rfarm: missing OS packages; run: sudo apt-get update && sudo ${command}`);
    process.exit(1);
  }
  console.log(`rfarm: installing ${missing.join(', ')} from the OS packages…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('sh', ['-c', `${command} -qq`], { stdio: 'inherit', env });
  if (update.status !== 0 || install.status !== 0) {
    console.error(`rfarm: could not install ${missing.join(', ')}; run: apt-get update && ${command}`);
    process.exit(1);
  }
}

installOsPackages();
installNpmDependencies();
