/**
 * The platform catalogue: every build platform rfarm knows, as pure typed data.
 *
 * infra (which pools to declare), the control plane (which platforms a submission may name),
 * the agent (which queue it serves) and sysreqs (which OS packages to install) all read this
 * one list. Nobody keeps a second one.
 */

/** Operating system family of a build host. */
export type OperatingSystem = 'linux' | 'windows' | 'macos' | 'solaris';

/** Which R a platform runs: CRAN's three flavours. */
export type RFlavour = 'devel' | 'release' | 'patched';

/** CPU architecture, spelled as CRAN spells it in flavour names. */
export type Architecture = 'x86_64' | 'arm64';

/** Where a platform's build hosts run. `local` is a host that joined by itself (the local farm). */
export type Provider = 'digitalocean' | 'aws' | 'vsphere' | 'local';

/** Compiler toolchain the platform builds C/C++/Fortran code with. */
export interface Compiler {
  /** Family: what `R CMD config CC` names. */
  readonly family: 'gcc' | 'clang';
  /** Human-readable toolchain, e.g. "GCC 14 + gfortran" or "Rtools45 (GCC 14)". */
  readonly toolchain: string;
}

/** A distribution and release, as the sysreqs service keys its rules (e.g. debian 12). */
export interface Distribution {
  /** Distribution id as in os-release `ID` (debian, ubuntu, fedora, …) or windows/macos/solaris. */
  readonly name: string;
  /** Release as in os-release `VERSION_ID` ("12", "24.04"), or an OS version ("11.4"). */
  readonly release: string;
}

/** One build platform of the farm. */
export interface Platform {
  /** Stable id, CRAN's flavour name where CRAN has one; safe in NATS subjects ([a-z0-9_-]). */
  readonly id: string;
  /** One line for people. */
  readonly description: string;
  readonly os: OperatingSystem;
  readonly distribution: Distribution;
  readonly arch: Architecture;
  readonly compiler: Compiler;
  readonly rFlavour: RFlavour;
  /** Where the build hosts of this platform run. */
  readonly provider: Provider;
  /** The distribution whose sysreqs rules apply (testing/rolling releases map to the closest known one). */
  readonly sysreqs: Distribution;
  /** Preselected when a submission names no platform. */
  readonly isDefault: boolean;
}

/** The R versions images pin: `release` is installed from binaries, devel/patched are built from source. */
export const R_VERSIONS = {
  release: '4.5.2',
  patched: '4.5.2-patched',
  devel: 'devel',
} as const satisfies Record<RFlavour, string>;

const debianTesting: Distribution = { name: 'debian', release: 'testing' };
const debianStable: Distribution = { name: 'debian', release: '13' };
const ubuntuLts: Distribution = { name: 'ubuntu', release: '24.04' };
const fedoraCurrent: Distribution = { name: 'fedora', release: '42' };
const gcc: Compiler = { family: 'gcc', toolchain: 'GCC + gfortran' };
const clang: Compiler = { family: 'clang', toolchain: 'LLVM clang + flang' };

function linux(
  id: string,
  description: string,
  distribution: Distribution,
  compiler: Compiler,
  rFlavour: RFlavour,
  sysreqs: Distribution = distribution,
  isDefault = false,
): Platform {
  return { id, description, os: 'linux', distribution, arch: 'x86_64', compiler, rFlavour, provider: 'digitalocean', sysreqs, isDefault };
}

/** Every build platform of the farm. */
export const PLATFORMS: readonly Platform[] = Object.freeze([
  linux('r-devel-linux-x86_64-debian-clang', 'R-devel on Debian testing, clang (CRAN flavour)', debianTesting, clang, 'devel', debianStable),
  linux('r-devel-linux-x86_64-debian-gcc', 'R-devel on Debian testing, GCC (CRAN flavour)', debianTesting, gcc, 'devel', debianStable, true),
  linux('r-devel-linux-x86_64-fedora-clang', 'R-devel on Fedora, clang (CRAN flavour)', fedoraCurrent, clang, 'devel'),
  linux('r-devel-linux-x86_64-fedora-gcc', 'R-devel on Fedora, GCC (CRAN flavour)', fedoraCurrent, gcc, 'devel'),
  linux('r-patched-linux-x86_64', 'R-patched on Debian testing, GCC (CRAN flavour)', debianTesting, gcc, 'patched', debianStable),
  linux('r-release-linux-x86_64', 'R-release on Debian testing, GCC (CRAN flavour)', debianTesting, gcc, 'release', debianStable, true),
  linux('r-devel-linux-x86_64-ubuntu-gcc', 'R-devel on Ubuntu 24.04 LTS, GCC', ubuntuLts, gcc, 'devel'),
  linux('r-release-linux-x86_64-ubuntu-gcc', 'R-release on Ubuntu 24.04 LTS, GCC', ubuntuLts, gcc, 'release', ubuntuLts, true),
  linux('r-devel-linux-x86_64-debian-stable-gcc', 'R-devel on Debian 13 (stable), GCC', debianStable, gcc, 'devel'),
  linux('r-release-linux-x86_64-debian-stable-gcc', 'R-release on Debian 13 (stable), GCC', debianStable, gcc, 'release'),
  {
    id: 'r-devel-windows-x86_64',
    description: 'R-devel on Windows Server 2022, Rtools (CRAN flavour)',
    os: 'windows',
    distribution: { name: 'windows', release: '2022' },
    arch: 'x86_64',
    compiler: { family: 'gcc', toolchain: 'Rtools (GCC, UCRT)' },
    rFlavour: 'devel',
    provider: 'aws',
    sysreqs: { name: 'windows', release: '2022' },
    isDefault: false,
  },
  {
    id: 'r-release-windows-x86_64',
    description: 'R-release on Windows Server 2022, Rtools (CRAN flavour)',
    os: 'windows',
    distribution: { name: 'windows', release: '2022' },
    arch: 'x86_64',
    compiler: { family: 'gcc', toolchain: 'Rtools (GCC, UCRT)' },
    rFlavour: 'release',
    provider: 'aws',
    sysreqs: { name: 'windows', release: '2022' },
    isDefault: true,
  },
  {
    id: 'r-release-macos-arm64',
    description: 'R-release on macOS 14 (Apple silicon), Apple clang (CRAN flavour)',
    os: 'macos',
    distribution: { name: 'macos', release: '14' },
    arch: 'arm64',
    compiler: { family: 'clang', toolchain: 'Apple clang + GNU Fortran' },
    rFlavour: 'release',
    provider: 'vsphere',
    sysreqs: { name: 'macos', release: '14' },
    isDefault: true,
  },
  {
    id: 'r-release-macos-x86_64',
    description: 'R-release on macOS 13 (Intel), Apple clang (CRAN flavour)',
    os: 'macos',
    distribution: { name: 'macos', release: '13' },
    arch: 'x86_64',
    compiler: { family: 'clang', toolchain: 'Apple clang + GNU Fortran' },
    rFlavour: 'release',
    provider: 'vsphere',
    sysreqs: { name: 'macos', release: '13' },
    isDefault: false,
  },
  {
    id: 'r-patched-solaris-x86',
    description: 'R-patched on Solaris 11.4 x86, GCC from OpenCSW (CRAN flavour of old)',
    os: 'solaris',
    distribution: { name: 'solaris', release: '11.4' },
    arch: 'x86_64',
    compiler: { family: 'gcc', toolchain: 'GCC (OpenCSW)' },
    rFlavour: 'patched',
    provider: 'aws',
    sysreqs: { name: 'solaris', release: '11.4' },
    isDefault: false,
  },
]);

/** A platform id is safe in NATS subjects, KV keys and URLs. */
export const PLATFORM_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,79}$/;

const byId = new Map(PLATFORMS.map((platform) => [platform.id, platform]));

/** The catalogue entry with this id, or undefined. */
export function findPlatform(id: string): Platform | undefined {
  return byId.get(id);
}

/** Platforms of one provider: what infra declares pools for. */
export function platformsOn(provider: Provider): Platform[] {
  return PLATFORMS.filter((platform) => platform.provider === provider);
}

/** The platforms preselected when a submission names none (on a farm with every provider up). */
export function defaultPlatforms(): Platform[] {
  return PLATFORMS.filter((platform) => platform.isDefault);
}
