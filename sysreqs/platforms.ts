/**
 * The platforms sysreqs has rules for, and how a request names one: a catalogue platform id
 * (`r-release-linux-x86_64`), a `distribution-release` (`debian-12`, `ubuntu-22.04`), or a
 * distribution and release as Posit Package Manager clients send them (`redhat`, `8`).
 * Pure data and functions.
 */
import { PLATFORMS, findPlatform } from '../images/index.ts';
import { unknownPlatform } from './errors.ts';

/** A distribution family: the second key rule files are looked up by. */
export type PlatformFamily = 'debian' | 'ubuntu' | 'fedora' | 'rhel' | 'opensuse' | 'alpine' | 'macos' | 'windows' | 'solaris';

/** A group of families sharing package names: the last key rule files are looked up by. */
export type PlatformGroup = 'deb' | 'rpm';

/** One platform of the sysreqs rules. */
export interface SysreqsPlatform {
  /** `distribution-release`, the first key rule files are looked up by, e.g. `debian-12`. */
  readonly id: string;
  /** os-release ID style distribution, e.g. `debian`, `rhel`. */
  readonly distribution: string;
  /** Release, e.g. `12`, `24.04`. */
  readonly release: string;
  readonly family: PlatformFamily;
  readonly group: PlatformGroup | undefined;
  /** One line for people. */
  readonly description: string;
  /** Command that installs OS packages, followed by the package names. */
  readonly installCommand: string;
  /** Whether the installer takes one package per command (winget). */
  readonly onePackagePerCommand: boolean;
}

const installers: Record<PlatformFamily, string> = {
  debian: 'apt-get install -y',
  ubuntu: 'apt-get install -y',
  fedora: 'dnf install -y',
  rhel: 'dnf install -y',
  opensuse: 'zypper --non-interactive install',
  alpine: 'apk add --no-cache',
  macos: 'brew install',
  windows: 'winget install --silent --accept-source-agreements --accept-package-agreements --id',
  solaris: 'pkgutil -y -i',
};

function platform(family: PlatformFamily, release: string, description: string): SysreqsPlatform {
  const group: PlatformGroup | undefined = family === 'debian' || family === 'ubuntu' ? 'deb' : family === 'fedora' || family === 'rhel' ? 'rpm' : undefined;
  return Object.freeze({
    id: `${family}-${release}`,
    distribution: family,
    release,
    family,
    group,
    description,
    installCommand: installers[family],
    onePackagePerCommand: family === 'windows',
  });
}

/** Every platform the rules cover. */
export const SYSREQS_PLATFORMS: readonly SysreqsPlatform[] = Object.freeze([
  platform('debian', '11', 'Debian 11 (bullseye)'),
  platform('debian', '12', 'Debian 12 (bookworm)'),
  platform('debian', '13', 'Debian 13 (trixie); also Debian testing'),
  platform('ubuntu', '20.04', 'Ubuntu 20.04 LTS (focal)'),
  platform('ubuntu', '22.04', 'Ubuntu 22.04 LTS (jammy)'),
  platform('ubuntu', '24.04', 'Ubuntu 24.04 LTS (noble)'),
  platform('fedora', '42', 'Fedora 42'),
  platform('fedora', '43', 'Fedora 43'),
  platform('rhel', '8', 'RHEL 8 and rebuilds (Rocky, Alma, CentOS Stream 8), with EPEL and PowerTools'),
  platform('rhel', '9', 'RHEL 9 and rebuilds (Rocky, Alma, CentOS Stream 9), with EPEL and CRB'),
  platform('opensuse', '15', 'openSUSE Leap 15 and SLE 15'),
  platform('alpine', '3.22', 'Alpine Linux 3.22 (current)'),
  platform('macos', '13', 'macOS 13 with Homebrew'),
  platform('macos', '14', 'macOS 14 with Homebrew'),
  platform('windows', '2022', 'Windows Server 2022 with Rtools (winget for what Rtools lacks)'),
  platform('solaris', '11.4', 'Solaris 11.4 with OpenCSW'),
]);

const byId = new Map(SYSREQS_PLATFORMS.map((entry) => [entry.id, entry]));

const distributionAliases: Record<string, PlatformFamily> = {
  debian: 'debian',
  ubuntu: 'ubuntu',
  fedora: 'fedora',
  rhel: 'rhel',
  redhat: 'rhel',
  centos: 'rhel',
  rocky: 'rhel',
  rockylinux: 'rhel',
  almalinux: 'rhel',
  alma: 'rhel',
  opensuse: 'opensuse',
  'opensuse-leap': 'opensuse',
  sle: 'opensuse',
  sles: 'opensuse',
  alpine: 'alpine',
  macos: 'macos',
  osx: 'macos',
  darwin: 'macos',
  windows: 'windows',
  solaris: 'solaris',
};

const debianCodenames: Record<string, string> = { bullseye: '11', bookworm: '12', trixie: '13', testing: '13', sid: '13', unstable: '13' };

function normaliseRelease(family: PlatformFamily, release: string): string {
  const text = release.trim().toLowerCase();
  if (family === 'debian') return debianCodenames[text] ?? text.split('.')[0];
  if (family === 'rhel' || family === 'opensuse') return text.split('.')[0];
  if (family === 'alpine') return text === 'edge' || text === 'latest' ? '3.22' : text.split('.').slice(0, 2).join('.');
  if (family === 'solaris' && text === '11') return '11.4';
  return text;
}

/** The sysreqs platform for a distribution and release, or undefined when the rules do not cover it. */
export function findSysreqsPlatform(distribution: string, release: string): SysreqsPlatform | undefined {
  const family = distributionAliases[distribution.trim().toLowerCase()];
  if (!family) return undefined;
  return byId.get(`${family}-${normaliseRelease(family, release)}`);
}

/** Every accepted spelling, for error messages. */
export function knownPlatformNames(): string[] {
  return SYSREQS_PLATFORMS.map((entry) => entry.id);
}

const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '');

/**
 * The sysreqs platform of a local host's platform id, which `platformOfHost` (images/) builds in the
 * catalogue's scheme with distribution and release squashed to `[a-z0-9]`:
 * `r-patched-linux-x86_64-debian-12-gcc`, `r-release-linux-arm64-ubuntu-2404-clang`.
 */
function findByHostPlatformId(name: string): SysreqsPlatform | undefined {
  const match = /^r-(?:release|patched|devel)-linux-(?:x86_64|arm64)-([a-z0-9]+)-([a-z0-9]+)-(?:gcc|clang)$/.exec(name.trim().toLowerCase());
  if (!match) return undefined;
  const [, distribution, release] = match;
  const family = Object.entries(distributionAliases).find(([alias]) => slug(alias) === distribution)?.[1];
  if (!family) return undefined;
  const candidates = SYSREQS_PLATFORMS.filter((entry) => entry.family === family);
  // A squashed release is exact ("2404"), a codename ("testing"), or a point release of a major-only one ("93" for rhel 9.3).
  return (
    candidates.find((entry) => slug(entry.release) === release) ??
    (family === 'debian' && debianCodenames[release] ? byId.get(`debian-${debianCodenames[release]}`) : undefined) ??
    (family === 'rhel' || family === 'opensuse' ? candidates.find((entry) => release.startsWith(entry.release)) : undefined)
  );
}

/**
 * The sysreqs platform a request names: a catalogue platform id, a local host's platform id in the
 * catalogue's scheme (what a local farm's agent announces), or `distribution-release`.
 * Throws `unknown_platform` listing what is known.
 */
export function resolvePlatform(name: string): SysreqsPlatform {
  const catalogued = findPlatform(name);
  const found = catalogued
    ? findSysreqsPlatform(catalogued.sysreqs.name, catalogued.sysreqs.release)
    : (findByHostPlatformId(name) ??
      (() => {
        const match = /^([a-z][a-z-]*?)-(\d[\w.]*|[a-z]+)$/i.exec(name.trim());
        return match ? findSysreqsPlatform(match[1], match[2]) : undefined;
      })());
  if (!found) throw unknownPlatform(name, knownPlatformNames());
  return found;
}

/** Catalogue platforms (ids) that map to each sysreqs platform. */
export function cataloguePlatformsOf(entry: SysreqsPlatform): string[] {
  return PLATFORMS.filter((candidate) => findSysreqsPlatform(candidate.sysreqs.name, candidate.sysreqs.release) === entry).map((candidate) => candidate.id);
}
