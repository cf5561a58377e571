/**
 * One scaler pass: observe the farm, decide every pool, tell each provider. Pools are independent,
 * so one provider's failure is logged and the others still scale. Removals go first, so a
 * replacement for a lost host is not refused for being over the group's max.
 */
import { decidePool, EMPTY_MEMORY, type PoolDecision, type PoolLimits, type PoolMemory, type ScalingSettings } from './pool-decision.ts';
import type { PlatformLoad } from './farm-observation.ts';
import type { PoolProvider } from './pool-provider.ts';

/** One platform's pool as the scaler drives it. */
export interface ScaledPool {
  readonly platform: string;
  readonly limits: PoolLimits;
  readonly provider: PoolProvider;
  /** Overrides of the farm's settings for this pool (e.g. its backlog allowance). */
  readonly settings?: Partial<ScalingSettings>;
}

/** What one pool's pass did, or why it failed. */
export type PassResult =
  | { readonly platform: string; readonly decision: PoolDecision; /** What the provider's `settle` moved, if anything. */ readonly settled?: string }
  | { readonly platform: string; readonly error: Error };

/** Drives pools; keeps each pool's memory between passes. */
export class Scaler {
  private readonly memory = new Map<string, PoolMemory>();
  constructor(
    private readonly pools: readonly ScaledPool[],
    private readonly settings: ScalingSettings,
    private readonly observe: () => Promise<Map<string, PlatformLoad>>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Observes once and applies every pool's decision. */
  async pass(): Promise<PassResult[]> {
    const loads = await this.observe();
    return Promise.all(this.pools.map((pool) => this.scale(pool, loads.get(pool.platform) ?? { queued: 0, workers: [] })));
  }

  private async scale(pool: ScaledPool, load: PlatformLoad): Promise<PassResult> {
    try {
      const settled = (await pool.provider.settle?.()) ?? null;
      const hosts = await pool.provider.listHosts();
      const decision = decidePool(
        { queued: load.queued, workers: load.workers, hosts },
        pool.limits,
        this.memory.get(pool.platform) ?? EMPTY_MEMORY,
        this.clock(),
        { ...this.settings, ...pool.settings },
      );
      if (decision.remove.length > 0) await pool.provider.remove(decision.remove);
      if (decision.launch > 0) await pool.provider.launch(decision.launch, decision.desired);
      this.memory.set(pool.platform, decision.memory);
      return { platform: pool.platform, decision, ...(settled ? { settled } : {}) };
    } catch (error) {
      return { platform: pool.platform, error: error as Error };
    }
  }
}
