import { PLATFORMS, type Architecture, type Platform, type RFlavour } from './catalogue.ts';

/** What an agent reads off its own host (os-release, `R --version`, `R CMD config CC`). */
export interface HostFacts {
  /** os-release ID, e.g. "debian". */
  readonly distribution: string;
  /** os-release VERSION_ID, e.g. "12"; "testing" when the release has none. */
  readonly release: string;
  /** `uname -m` / `process.arch`, e.g. "x86_64", "aarch64", "arm64". */
  readonly machine: string;
  /** First line of `R --version`. */
  readonly rVersionLine: string;
  /** Output of `R CMD config CC`, e.g. "gcc -std=gnu11". */
  readonly cc: string;
}

/** R's version number from the first line of `R --version`, e.g. "4.2.2". */
export function rVersionOf(rVersionLine: string): string {
  return /(\d+\.\d+\.\d+)/.exec(rVersionLine)?.[1] ?? 'unknown';
}

/** CRAN flavour of an R build, read from `R --version`'s first line. */
export function rFlavourOf(rVersionLine: string): RFlavour {
  if (/Under development|unstable/i.test(rVersionLine)) return 'devel';
  if (/Patched/i.test(rVersionLine)) return 'patched';
  return 'release';
}

function architectureOf(machine: string): Architecture {
  return /^(aarch64|arm64)$/.test(machine) ? 'arm64' : 'x86_64';
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/**
 * The platform a host really is. A catalogue entry when the host matches one exactly; otherwise a
 * `local` platform named in the catalogue's own scheme (e.g. r-release-linux-x86_64-debian-12-gcc),
 * so a laptop never claims to be a CRAN flavour it is not.
 */
export function platformOfHost(facts: HostFacts): Platform {
  const rFlavour = rFlavourOf(facts.rVersionLine);
  const arch = architectureOf(facts.machine);
  const family = /clang/.test(facts.cc) ? 'clang' : 'gcc';
  const distribution = { name: facts.distribution, release: facts.release };
  const exact = PLATFORMS.find(
    (platform) =>
      platform.os === 'linux' &&
      platform.distribution.name === distribution.name &&
      platform.distribution.release === distribution.release &&
      platform.arch === arch &&
      platform.compiler.family === family &&
      platform.rFlavour === rFlavour &&
      platform.provider !== 'local',
  );
  if (exact) return exact;
  const id = `r-${rFlavour}-linux-${arch}-${slug(facts.distribution)}-${slug(facts.release)}-${family}`;
  return {
    id,
    description: `R ${rVersionOf(facts.rVersionLine)} (${rFlavour}) on ${facts.distribution} ${facts.release}, ${family} — a local host`,
    os: 'linux',
    distribution,
    arch,
    compiler: { family, toolchain: facts.cc.trim() },
    rFlavour,
    provider: 'local',
    sysreqs: distribution,
    isDefault: true,
  };
}
