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

/**
 * Where a platform's build hosts run. `local` is the local farm: a host that joined by itself, or a
 * container the local farm starts from this catalogue's image (images/linux/Dockerfile).
 */
export type Provider = 'digitalocean' | 'aws' | 'vsphere' | 'local';

/** Whether a check may reach the network: `none`, or `egress` (outbound only, never the farm's own services). */
export type NetworkPolicy = 'none' | 'egress';

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

/** Where a Linux image's R comes from: CRAN's source built in the image, or the distribution's r-base-core. */
export type RSource = 'cran' | 'debian';

/** Where a Linux image's Node.js comes from: the pinned official release, or the distribution's nodejs. */
export type NodeSource = 'nodejs.org' | 'debian';

/** What a Linux image starts from: a registry image, or a Debian suite bootstrapped from the archive (mmdebstrap). */
export type ImageBase = { readonly kind: 'registry'; readonly reference: string } | { readonly kind: 'debian-archive'; readonly suite: string };

/** How a Linux platform's image is made: the parameters of the one definition, images/linux/Dockerfile. */
export interface LinuxImage {
  readonly base: ImageBase;
  readonly rSource: RSource;
  /** The R the image has: R_VERSIONS' spelling for `cran`; for `debian`, the version the suite ships (what checks report). */
  readonly rVersion: string;
  readonly nodeSource: NodeSource;
  /** The Fortran compiler's command (`gfortran`, `flang-new`, `flang-new-19`). */
  readonly fortran: string;
  /** `full`: TeX for PDF manuals; `none`: no TeX (the agent checks with --no-manual). */
  readonly tex: 'full' | 'none';
  /**
   * Whether the image builds on a machine that reaches only Debian's archive: no image registry,
   * no CRAN, no nodejs.org. True exactly for a `debian-archive` base with Debian's R and Node.
   */
  readonly buildsWithoutRegistry: boolean;
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
  /** Linux platforms of the catalogue: how their image is made. */
  readonly image?: LinuxImage;
  /** The platform's own `R CMD check` environment (e.g. a CRAN flavour's settings); unset: a bare check. */
  readonly checkEnvironment?: Readonly<Record<string, string>>;
  /** The check's network on this platform; unset: the agent's FARM_CHECK_NETWORK (default `none`). */
  readonly checkNetwork?: NetworkPolicy;
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
const debianGcc: Compiler = { family: 'gcc', toolchain: 'GCC + gfortran (Debian)' };
// Debian's R binary itself is built with GCC; R's Makeconf in the image points packages at clang.
const debianClang: Compiler = { family: 'clang', toolchain: 'clang 19 + gfortran 14 for packages (Debian; R itself built with GCC)' };

/**
 * The check environment of CRAN's regular checks on its Debian flavours (r-devel-linux-x86_64-debian-
 * clang/gcc, r-patched-linux-x86_64, r-release-linux-x86_64, all run by Kurt Hornik): the variables of
 * `check_CRAN_regular.Renviron` as CRAN publishes it in its QA scripts (r-devel/r-dev-web,
 * CRAN/QA/Kurt/.R/check_CRAN_regular.Renviron; Renviron quoting removed). Notably Suggests are not
 * forced (`_R_CHECK_FORCE_SUGGESTS_=false`; the farm still installs them, as CRAN has them) and
 * several CRAN-incoming checks are on. The Fedora flavours (Brian Ripley's) publish no such file:
 * they stay bare.
 */
export const CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  _R_CHECK_SCREEN_DEVICE_: 'warn',
  _R_CHECK_SUPPRESS_RANDR_MESSAGE_: 'true',
  _R_CHECK_FORCE_SUGGESTS_: 'false',
  _R_CHECK_INSTALL_DEPENDS_: 'true',
  _R_CHECK_SUGGESTS_ONLY_: 'true',
  _R_CHECK_NO_RECOMMENDED_: 'true',
  _R_CHECK_TIMINGS_: '0',
  _R_CHECK_TEST_TIMING_: 'yes',
  _R_CHECK_VIGNETTE_TIMING_: 'yes',
  _R_CHECK_SRC_MINUS_W_IMPLICIT_: 'yes',
  _R_CHECK_SRC_MINUS_W_UNUSED_: 'yes',
  _R_CHECK_WALL_FORTRAN_: 'yes',
  _R_CHECK_CODE_ASSIGN_TO_GLOBALENV_: 'true',
  _R_CHECK_CODE_ATTACH_: 'true',
  _R_CHECK_CODE_DATA_INTO_GLOBALENV_: 'true',
  _R_CHECK_CODE_USAGE_VIA_NAMESPACES_: 'true',
  _R_CHECK_CODE_USAGE_WITH_ONLY_BASE_ATTACHED_: 'true',
  _R_CHECK_DEPRECATED_DEFUNCT_: 'true',
  _R_CHECK_DOC_SIZES2_: 'true',
  _R_CHECK_DOT_FIRSTLIB_: 'true',
  _R_CHECK_EXECUTABLES_EXCLUSIONS_: 'false',
  _R_CHECK_OVERWRITE_REGISTERED_S3_METHODS_: 'true',
  _R_CHECK_RD_LINE_WIDTHS_: 'true',
  _R_CHECK_REPLACING_IMPORTS_: 'true',
  _R_CHECK_S3_METHODS_NOT_REGISTERED_: 'true',
  _R_CHECK_TOPLEVEL_FILES_: 'true',
  _R_CHECK_VC_DIRS_: 'true',
  _R_CHECK_VIGNETTES_SKIP_RUN_MAYBE_: 'true',
  _R_CHECK_PACKAGE_DATASETS_SUPPRESS_NOTES_: 'true',
  _R_CHECK_PACKAGES_USED_IGNORE_UNUSED_IMPORTS_: 'true',
  _R_CHECK_DOT_INTERNAL_: 'true',
  _R_CHECK_LICENSE_: 'true',
  _R_CHECK_SUBDIRS_NOCASE_: 'yes',
  _R_CHECK_UNSAFE_CALLS_: 'true',
  _R_CHECK_ALWAYS_LOG_VIGNETTE_OUTPUT_: 'true',
  _R_CHECK_CODETOOLS_PROFILE_: 'suppressPartialMatchArgs=false',
  _R_CHECK_XREFS_USE_ALIASES_FROM_CRAN_: 'true',
});

/** The cloud build: a registry base image, R built from CRAN's source, Node from nodejs.org, full TeX. */
function cloudImage(reference: string, compiler: Compiler, rFlavour: RFlavour): LinuxImage {
  return {
    base: { kind: 'registry', reference },
    rSource: 'cran',
    rVersion: R_VERSIONS[rFlavour],
    nodeSource: 'nodejs.org',
    fortran: compiler.family === 'clang' ? 'flang-new' : 'gfortran',
    tex: 'full',
    buildsWithoutRegistry: false,
  };
}

function linux(
  id: string,
  description: string,
  distribution: Distribution,
  compiler: Compiler,
  rFlavour: RFlavour,
  sysreqs: Distribution = distribution,
  isDefault = false,
  checkEnvironment?: Readonly<Record<string, string>>,
): Platform {
  const reference = `${distribution.name}:${distribution.release}`;
  const platform: Platform = {
    id,
    description,
    os: 'linux',
    distribution,
    arch: 'x86_64',
    compiler,
    rFlavour,
    provider: 'digitalocean',
    sysreqs,
    isDefault,
    image: cloudImage(reference, compiler, rFlavour),
  };
  return checkEnvironment ? { ...platform, checkEnvironment } : platform;
}

/**
 * A platform the local farm runs in a container (scripts/platform-containers.ts): a Debian suite from
 * the archive with Debian's own R and Node, so it builds where only Debian's archive is reachable.
 * Named by R version, not by CRAN flavour: Debian's R is not CRAN's current R-release.
 */
function debianArchive(release: '12' | '13', suite: string, rVersion: string, compiler: Compiler, fortran: string): Platform {
  const series = rVersion.split('.').slice(0, 2).join('-');
  const distribution = { name: 'debian', release };
  return {
    id: `r-${series}-linux-x86_64-debian-${release}-${compiler.family}`,
    description: `R ${rVersion} (Debian's r-base) on Debian ${release} (${suite}), ${compiler.toolchain} — a local container`,
    os: 'linux',
    distribution,
    arch: 'x86_64',
    compiler,
    rFlavour: 'release',
    provider: 'local',
    sysreqs: distribution,
    isDefault: false,
    image: { base: { kind: 'debian-archive', suite }, rSource: 'debian', rVersion, nodeSource: 'debian', fortran, tex: 'none', buildsWithoutRegistry: true },
  };
}

/**
 * Assumed seconds from asking a provider for a builder host to its agents' first heartbeat, per OS:
 * droplet create + cloud-init + worker image pull (Linux); Windows AMI boot + agent start; a
 * vSphere clone of a macOS template; EC2 host + Solaris KVM guest boot. Not measured (no real
 * host here). The simulated day boots hosts this long, and the scaler's per-pool cool-down is
 * derived from it (infra/sizing.ts `coolDownSecondsFor`).
 */
export const HOST_BOOT_SECONDS: Readonly<Record<OperatingSystem, number>> = Object.freeze({ linux: 240, windows: 420, macos: 300, solaris: 600 });

/** Every build platform of the farm. */
export const PLATFORMS: readonly Platform[] = Object.freeze([
  linux(
    'r-devel-linux-x86_64-debian-clang',
    'R-devel on Debian testing, clang (CRAN flavour)',
    debianTesting,
    clang,
    'devel',
    debianStable,
    false,
    CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT,
  ),
  linux(
    'r-devel-linux-x86_64-debian-gcc',
    'R-devel on Debian testing, GCC (CRAN flavour)',
    debianTesting,
    gcc,
    'devel',
    debianStable,
    true,
    CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT,
  ),
  linux('r-devel-linux-x86_64-fedora-clang', 'R-devel on Fedora, clang (CRAN flavour)', fedoraCurrent, clang, 'devel'),
  linux('r-devel-linux-x86_64-fedora-gcc', 'R-devel on Fedora, GCC (CRAN flavour)', fedoraCurrent, gcc, 'devel'),
  linux(
    'r-patched-linux-x86_64',
    'R-patched on Debian testing, GCC (CRAN flavour)',
    debianTesting,
    gcc,
    'patched',
    debianStable,
    false,
    CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT,
  ),
  linux(
    'r-release-linux-x86_64',
    'R-release on Debian testing, GCC (CRAN flavour)',
    debianTesting,
    gcc,
    'release',
    debianStable,
    true,
    CRAN_DEBIAN_REGULAR_CHECK_ENVIRONMENT,
  ),
  linux('r-devel-linux-x86_64-ubuntu-gcc', 'R-devel on Ubuntu 24.04 LTS, GCC', ubuntuLts, gcc, 'devel'),
  linux('r-release-linux-x86_64-ubuntu-gcc', 'R-release on Ubuntu 24.04 LTS, GCC', ubuntuLts, gcc, 'release', ubuntuLts, true),
  linux('r-devel-linux-x86_64-debian-stable-gcc', 'R-devel on Debian 13 (stable), GCC', debianStable, gcc, 'devel'),
  linux('r-release-linux-x86_64-debian-stable-gcc', 'R-release on Debian 13 (stable), GCC', debianStable, gcc, 'release'),
  debianArchive('12', 'bookworm', '4.2.2', debianGcc, 'gfortran'),
  debianArchive('13', 'trixie', '4.5.0', debianGcc, 'gfortran'),
  debianArchive('13', 'trixie', '4.5.0', debianClang, 'gfortran'),
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
    // macOS on arm64 runs only on Apple hardware and ESXi does not run on Apple silicon: EC2 Mac dedicated hosts.
    provider: 'aws',
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

/** The platforms whose image builds on a machine that reaches only Debian's archive: `FARM_PLATFORMS=all-local`. */
export function locallyBuildablePlatforms(): Platform[] {
  return PLATFORMS.filter((platform) => platform.image?.buildsWithoutRegistry === true);
}

/** Platforms of one provider: what infra declares pools for. */
export function platformsOn(provider: Provider): Platform[] {
  return PLATFORMS.filter((platform) => platform.provider === provider);
}

/** The platforms preselected when a submission names none (on a farm with every provider up). */
export function defaultPlatforms(): Platform[] {
  return PLATFORMS.filter((platform) => platform.isDefault);
}
