/**
 * The one small interface every cloud's builder pool is driven through: list the pool's hosts,
 * start some, stop chosen ones. The scaler never asks a provider to shrink "by n" — it always
 * names the idle hosts to stop, so no provider can pick a host that is running a build.
 */
import type { PoolHost } from './pool-decision.ts';

/** One platform's builder pool at one provider. */
export interface PoolProvider {
  /** Hosts in the pool now, booting or running (not those shutting down). */
  listHosts(): Promise<PoolHost[]>;
  /** Brings the pool to `desired` hosts by starting `launch` new ones (`desired` counts after removals). */
  launch(launch: number, desired: number): Promise<void>;
  /** Stops exactly these hosts. */
  remove(ids: readonly string[]): Promise<void>;
  /**
   * Optional, called once a pass before `listHosts`: lets a provider with more than one source of
   * hosts move what one has failed to start to another (aws-spot-fallback-pool.ts). The pool's
   * size does not change. Returns a line for the log when it moved something, else null.
   */
  settle?(): Promise<string | null>;
}

/** A provider's API refused or failed a call; `cause` keeps the client's error. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    /** Which provider and pool, e.g. "digitalocean pool r-release-linux-x86_64". */
    readonly pool: string,
    /** The operation that failed, e.g. "create droplets". */
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${pool}: ${operation} failed: ${message}`, options);
  }
}
