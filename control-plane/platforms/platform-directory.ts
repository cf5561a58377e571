/**
 * Which platforms a submission may name: the catalogue, plus the platforms of live workers that
 * are not in it (a local host reports its own), and which of them are the defaults.
 */
import { PLATFORMS, findPlatform, type Platform } from '../../images/index.ts';
import { errors } from '../errors.ts';
import type { WorkerRegistry } from '../workers/worker-registry.ts';

/** A platform and how many live workers serve it. */
export interface PlatformAvailability {
  readonly platform: Platform;
  readonly liveWorkers: number;
}

export class PlatformDirectory {
  constructor(
    private readonly workers: WorkerRegistry,
    private readonly configuredDefaults: readonly string[],
  ) {}

  /** Platforms with live workers first, then the rest; each group in catalogue order, live hosts outside it last. */
  async available(): Promise<PlatformAvailability[]> {
    const live = await this.workers.list();
    const count = (id: string) => live.filter((worker) => worker.platform === id).length;
    const extra = new Map<string, Platform>();
    for (const worker of live) if (!findPlatform(worker.platform)) extra.set(worker.platform, worker.platformDetails);
    const all = [...PLATFORMS, ...extra.values()].map((platform) => ({ platform, liveWorkers: count(platform.id) }));
    return [...all.filter((entry) => entry.liveWorkers > 0), ...all.filter((entry) => entry.liveWorkers === 0)];
  }

  /** Validates requested platforms, or picks the defaults; every answer names the known ones. */
  async choose(requested: readonly string[]): Promise<string[]> {
    const available = await this.available();
    const known = available.map((entry) => entry.platform.id);
    const unique = [...new Set(requested)];
    for (const name of unique) if (!known.includes(name)) throw errors.unknownPlatform(name, known);
    if (unique.length > 0) return unique;
    return this.defaults(available);
  }

  private defaults(available: readonly PlatformAvailability[]): string[] {
    if (this.configuredDefaults.length > 0) return [...this.configuredDefaults];
    const live = available.filter((entry) => entry.liveWorkers > 0);
    const liveDefaults = live.filter((entry) => entry.platform.isDefault);
    const chosen = liveDefaults.length > 0 ? liveDefaults : live;
    if (chosen.length === 0) throw errors.noPlatforms();
    return chosen.map((entry) => entry.platform.id);
  }
}
