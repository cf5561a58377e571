/**
 * rfarm's platforms in the r-hub 1.x platform format, and r-hub's old platform names as aliases of
 * rfarm platforms, so scripts that name `debian-gcc-release` or call `check_for_cran()` still run.
 * Pure data and functions: the routes add the live (local host) platforms.
 */
import { PLATFORMS, type Platform } from '../../images/index.ts';

/** One entry of `GET /api/platform/list`, as the r-hub 1.x client reads it (`rhub::platforms()`). */
export interface RhubPlatform {
  readonly name: string;
  readonly description: string;
  readonly 'cran-name': string | null;
  readonly rversion: string;
  readonly 'os-type': string;
  readonly 'cpu-type': string;
  readonly 'os-info': string;
  readonly compilers: string;
  readonly 'docker-image': string | null;
  readonly 'sysreqs-platform': string;
  readonly categories: readonly string[];
  readonly 'node-labels': readonly string[];
  readonly queue: string;
  /** rfarm's own id of the platform that runs checks submitted under this name. */
  readonly 'rfarm-platform': string;
}

/** An old r-hub platform name and the rfarm platform that now answers to it. */
export interface RhubAlias {
  readonly name: string;
  readonly platform: string;
  /** What r-hub called it, and where rfarm differs. */
  readonly description: string;
}

/**
 * r-hub's platform names (as `rhub::platforms()` listed them in 2023) that have an rfarm
 * counterpart. Names with none (oldrel Windows, CentOS, rchk, valgrind images) are left out, so a
 * script naming them fails with a message instead of silently checking somewhere else. The
 * sanitizer platform stays, mapped to plain R-devel, because `check_for_cran()` names it for every
 * package with compiled code; its description says so.
 */
export const RHUB_ALIASES: readonly RhubAlias[] = Object.freeze([
  { name: 'debian-clang-devel', platform: 'r-devel-linux-x86_64-debian-clang', description: 'Debian Linux, R-devel, clang' },
  { name: 'debian-gcc-devel', platform: 'r-devel-linux-x86_64-debian-gcc', description: 'Debian Linux, R-devel, GCC' },
  { name: 'debian-gcc-patched', platform: 'r-patched-linux-x86_64', description: 'Debian Linux, R-patched, GCC' },
  { name: 'debian-gcc-release', platform: 'r-release-linux-x86_64', description: 'Debian Linux, R-release, GCC' },
  { name: 'fedora-clang-devel', platform: 'r-devel-linux-x86_64-fedora-clang', description: 'Fedora Linux, R-devel, clang, gfortran' },
  { name: 'fedora-gcc-devel', platform: 'r-devel-linux-x86_64-fedora-gcc', description: 'Fedora Linux, R-devel, GCC' },
  { name: 'ubuntu-gcc-devel', platform: 'r-devel-linux-x86_64-ubuntu-gcc', description: 'Ubuntu Linux 24.04 LTS, R-devel, GCC' },
  { name: 'ubuntu-gcc-release', platform: 'r-release-linux-x86_64-ubuntu-gcc', description: 'Ubuntu Linux 24.04 LTS, R-release, GCC' },
  {
    name: 'linux-x86_64-rocker-gcc-san',
    platform: 'r-devel-linux-x86_64-debian-gcc',
    description: 'Debian Linux, R-devel, GCC (rfarm has no sanitizer build: a plain R-devel check)',
  },
  { name: 'windows-x86_64-devel', platform: 'r-devel-windows-x86_64', description: 'Windows Server 2022, R-devel, 64 bit' },
  { name: 'windows-x86_64-release', platform: 'r-release-windows-x86_64', description: 'Windows Server 2022, R-release, 64 bit' },
  { name: 'macos-highsierra-release', platform: 'r-release-macos-x86_64', description: 'macOS (Intel), R-release (rfarm: macOS 13, not 10.13)' },
  { name: 'macos-highsierra-release-cran', platform: 'r-release-macos-x86_64', description: 'macOS (Intel), R-release, CRAN setup (rfarm: macOS 13)' },
  { name: 'macos-m1-bigsur-release', platform: 'r-release-macos-arm64', description: 'Apple Silicon (M1), R-release (rfarm: macOS 14)' },
  { name: 'solaris-x86-patched', platform: 'r-patched-solaris-x86', description: 'Oracle Solaris 11.4, x86, 32 bit, R-patched' },
  { name: 'solaris-x86-patched-ods', platform: 'r-patched-solaris-x86', description: 'Oracle Solaris 11.4, x86, 32 bit, R-patched (rfarm: GCC, not ODS)' },
]);

const OS_TYPES: Record<Platform['os'], string> = { linux: 'Linux', windows: 'Windows', macos: 'macOS', solaris: 'Solaris' };
const catalogueIds = new Set(PLATFORMS.map((platform) => platform.id));

function osInfo(platform: Platform): string {
  const { name, release } = platform.distribution;
  if (platform.os === 'windows') return `Windows Server ${release}`;
  if (platform.os === 'macos') return `macOS ${release}`;
  if (platform.os === 'solaris') return `Oracle Solaris ${release}`;
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} ${release}`;
}

/** An rfarm platform in r-hub's format, under its own id or under an old r-hub name. */
export function presentRhubPlatform(platform: Platform, alias?: RhubAlias): RhubPlatform {
  const linux = platform.os === 'linux';
  return {
    name: alias?.name ?? platform.id,
    description: alias ? `${alias.description} [rfarm: ${platform.id}]` : platform.description,
    // Catalogue ids are CRAN flavour names where CRAN has one; local hosts are no CRAN flavour.
    'cran-name': catalogueIds.has(platform.id) ? platform.id : null,
    rversion: `r-${platform.rFlavour}`,
    'os-type': OS_TYPES[platform.os],
    'cpu-type': platform.arch,
    'os-info': osInfo(platform),
    compilers: platform.compiler.toolchain,
    'docker-image': linux && platform.provider !== 'local' ? `rfarm/${platform.id}` : null,
    'sysreqs-platform': `${platform.os}-${platform.arch}-${platform.sysreqs.name}-${platform.sysreqs.release}`,
    categories: [OS_TYPES[platform.os]],
    'node-labels': [platform.os, platform.provider],
    queue: platform.id,
    'rfarm-platform': platform.id,
  };
}

/**
 * The whole list: every platform under its rfarm id (catalogue and live hosts alike), then the old
 * r-hub names of catalogue platforms.
 */
export function rhubPlatformList(platforms: readonly Platform[]): RhubPlatform[] {
  const byId = new Map(platforms.map((platform) => [platform.id, platform]));
  const aliases = RHUB_ALIASES.flatMap((alias) => {
    const platform = byId.get(alias.platform);
    return platform ? [presentRhubPlatform(platform, alias)] : [];
  });
  return [...platforms.map((platform) => presentRhubPlatform(platform)), ...aliases];
}

/** The rfarm platform behind an r-hub name (an alias or an rfarm id), or undefined. */
export function resolveRhubPlatform(name: string, list: readonly RhubPlatform[]): RhubPlatform | undefined {
  return list.find((entry) => entry.name === name);
}

/** A platform no longer listed (a local host that left the farm), described from its names alone. */
export function departedPlatform(name: string, platformId: string): RhubPlatform {
  return {
    name,
    description: `${platformId} (no longer on this farm)`,
    'cran-name': null,
    rversion: 'unknown',
    'os-type': 'unknown',
    'cpu-type': 'unknown',
    'os-info': 'unknown',
    compilers: 'unknown',
    'docker-image': null,
    'sysreqs-platform': 'unknown',
    categories: [],
    'node-labels': [],
    queue: platformId,
    'rfarm-platform': platformId,
  };
}
