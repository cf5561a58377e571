/**
 * The r-hub proposal's day as simulation input. Per day: 1,385 builds on the primary Linux
 * platform, 1,050 on each of the primary Windows and macOS platforms, 50 on every other platform.
 * Linux checks take ~30 s, macOS ~2×, Windows 3–5×. What the proposal does not say is assumed
 * here, each in one named constant, and the README repeats them.
 */
import { HOST_BOOT_SECONDS, PLATFORMS, type OperatingSystem, type Platform } from '../../images/index.ts';
import type { PoolLimits, ScalingSettings } from '../pool-decision.ts';
import { arrivalTimes, seededRandom } from './build-arrivals.ts';
import type { SimulatedPool, SimulationOptions } from './simulate-day.ts';

/** Builds per day at the proposal's volume. */
export const PROPOSAL_VOLUME = { primaryLinux: 1385, primaryWindows: 1050, primaryMacos: 1050, other: 50 } as const;

/** Mean check time of a Linux build, seconds (the proposal's ~30 s). */
export const LINUX_CHECK_SECONDS = 30;

/** Assumed times from launch to the first heartbeat, per OS: the catalogue's `HOST_BOOT_SECONDS`. */
export const BOOT_SECONDS: Readonly<Record<OperatingSystem, number>> = HOST_BOOT_SECONDS;

/** Assumed chance per host-hour that a Spot host is reclaimed (Windows runs on Spot). */
export const SPOT_RECLAIM_PER_HOUR = 0.05;

/** The scaler's timing in the simulation and, by default, in production; a pool's shape may name its own cool-down. */
export const DEFAULT_SETTINGS: ScalingSettings = { coolDownMs: 5 * 60_000, bootDeadlineMs: 15 * 60_000 };

/**
 * Waiting builds a live host absorbs before another boots (`ScalingSettings.backlogPerHost`) when
 * the pool's shape names none: about how many builds a one-agent host finishes while a new one
 * boots, kept under the wait targets. The stacks' pools name theirs (infra/sizing.ts).
 */
export const BACKLOG_PER_HOST: Readonly<Record<OperatingSystem, number>> = { linux: 8, windows: 3, macos: 3, solaris: 1 };

/** Check time of one build: the family's multiple of the Linux mean, spread ±50 % (Windows 3–5×; Solaris assumed 4×). */
export function buildSeconds(os: OperatingSystem, random: () => number): number {
  const spread = 0.5 + random();
  switch (os) {
    case 'linux':
      return LINUX_CHECK_SECONDS * spread;
    case 'macos':
      return 2 * LINUX_CHECK_SECONDS * spread;
    case 'windows':
      return LINUX_CHECK_SECONDS * (3 + 2 * random());
    case 'solaris':
      return 4 * LINUX_CHECK_SECONDS * spread;
  }
}

/** The primary platform of an OS: the first default one in the catalogue. */
export function primaryPlatform(os: OperatingSystem, platforms: readonly Platform[] = PLATFORMS): Platform {
  const found = platforms.find((platform) => platform.os === os && platform.isDefault);
  if (!found) throw new Error(`the catalogue has no default ${os} platform`);
  return found;
}

/**
 * A pool's bounds and, when the stack says, how many agents its hosts run and how many waiting
 * builds a live host absorbs (infra/sizing.ts `agentsPerHostFor`, `backlogPerHostFor`).
 */
export interface SimulatedPoolShape extends PoolLimits {
  readonly agentsPerHost?: number;
  readonly backlogPerHost?: number;
  /** Idle seconds before a host of this pool may stop (the stack's per-pool cool-down); default `DEFAULT_SETTINGS.coolDownMs`. */
  readonly coolDownSeconds?: number;
}

/**
 * Every cloud platform's pool for the proposal's day. Submissions with no platform list ask for
 * the three primaries together, so 1,050 jobs arrive on all three at the same instants and the
 * remaining 335 primary-Linux builds arrive alone.
 */
export function proposalDay(shapeFor: (platform: Platform) => SimulatedPoolShape, seed = 2026, platforms: readonly Platform[] = PLATFORMS): SimulationOptions {
  const random = seededRandom(seed);
  const linux = primaryPlatform('linux', platforms);
  const windows = primaryPlatform('windows', platforms);
  const macos = primaryPlatform('macos', platforms);
  const together = arrivalTimes(PROPOSAL_VOLUME.primaryWindows, random);
  const linuxAlone = arrivalTimes(PROPOSAL_VOLUME.primaryLinux - together.length, random);
  const pools: SimulatedPool[] = platforms
    .filter((platform) => platform.provider !== 'local')
    .map((platform) => {
      const arrivals =
        platform.id === linux.id
          ? [...together, ...linuxAlone].sort((a, b) => a - b)
          : platform.id === windows.id || platform.id === macos.id
            ? together
            : arrivalTimes(PROPOSAL_VOLUME.other, random);
      const shape = shapeFor(platform);
      return {
        platform: platform.id,
        family: platform.os,
        limits: { min: shape.min, max: shape.max },
        agentsPerHost: shape.agentsPerHost ?? 1,
        bootSeconds: BOOT_SECONDS[platform.os],
        arrivals,
        buildSeconds: (draw: () => number) => buildSeconds(platform.os, draw),
        reclaimPerHour: platform.os === 'windows' ? SPOT_RECLAIM_PER_HOUR : 0,
        backlogPerHost: shape.backlogPerHost ?? BACKLOG_PER_HOST[platform.os],
        ...(shape.coolDownSeconds === undefined ? {} : { coolDownMs: shape.coolDownSeconds * 1000 }),
      };
    });
  return { pools, settings: DEFAULT_SETTINGS, tickSeconds: 15, ackWaitSeconds: 30, seed };
}
