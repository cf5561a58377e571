/**
 * When a pool's Spot group has not produced the hosts it was asked for, how many to start on
 * demand instead. Pure, like pool-decision.ts: the same groups, failures, memory and clock always
 * give the same answer, so it is tested without AWS.
 *
 * A Spot group is short when its desired capacity is above the instances it holds (leaving ones
 * not counted). The shortfall moves to the on-demand group when it has lasted `fallbackMs`, or at
 * once when the group's scaling activities report a failed Spot launch since it began; the Spot
 * group's desired capacity is lowered by as much, so it does not launch those hosts later as well.
 * The pool's total never changes: only where the hosts come from.
 */

/** One Auto Scaling group as the provider saw it. */
export interface GroupCapacity {
  /** Its desired capacity. */
  readonly desired: number;
  /** Instances it holds that are not leaving (pending ones count: AWS has produced them). */
  readonly instances: number;
}

/** What the provider remembers between passes (ms since the epoch). */
export interface SpotFallbackMemory {
  /** Since when the Spot group has been short without a break; null when it is not. */
  readonly shortSince: number | null;
}

/** The memory of a pool whose Spot group has never been short. */
export const NO_SHORTFALL: SpotFallbackMemory = Object.freeze({ shortSince: null });

/** What to do about the Spot group now. */
export interface SpotFallbackDecision {
  /** Hosts to start on demand instead (0: nothing to do). */
  readonly moveToOnDemand: number;
  /** The desired capacities to set when something moves (else the current ones). */
  readonly spotDesired: number;
  readonly onDemandDesired: number;
  readonly memory: SpotFallbackMemory;
  /** One line for the log. */
  readonly reason: string;
}

/**
 * Decides from the two groups, the start times (ms) of the Spot group's recent failed Spot
 * launches, what the provider remembers and the clock.
 */
export function decideSpotFallback(
  spot: GroupCapacity,
  onDemand: GroupCapacity,
  failedSpotLaunches: readonly number[],
  memory: SpotFallbackMemory,
  now: number,
  fallbackMs: number,
): SpotFallbackDecision {
  const shortfall = Math.max(0, spot.desired - spot.instances);
  const keep = { spotDesired: spot.desired, onDemandDesired: onDemand.desired };
  if (shortfall === 0) return { moveToOnDemand: 0, ...keep, memory: NO_SHORTFALL, reason: 'the Spot group has the hosts it was asked for' };
  const shortSince = memory.shortSince ?? now;
  const failed = failedSpotLaunches.some((startedAt) => startedAt >= shortSince);
  const waited = now - shortSince;
  if (!failed && waited < fallbackMs)
    return {
      moveToOnDemand: 0,
      ...keep,
      memory: { shortSince },
      reason: `the Spot group is ${shortfall} host(s) short for ${Math.round(waited / 1000)} s; on demand after ${Math.round(fallbackMs / 1000)} s`,
    };
  const why = failed ? 'a Spot launch failed' : `no Spot host came within ${Math.round(fallbackMs / 1000)} s`;
  return {
    moveToOnDemand: shortfall,
    spotDesired: spot.desired - shortfall,
    onDemandDesired: onDemand.desired + shortfall,
    memory: NO_SHORTFALL,
    reason: `${why}: ${shortfall} host(s) start on demand instead (Spot desired ${spot.desired} → ${spot.desired - shortfall}, on demand ${onDemand.desired} → ${onDemand.desired + shortfall})`,
  };
}

/**
 * Whether a scaling activity is a failed Spot launch: AWS reports it as status `Failed` with a
 * message such as "Could not launch Spot Instances. InsufficientInstanceCapacity - There is no
 * Spot capacity available that matches your request."
 */
export function isFailedSpotLaunch(activity: { readonly statusCode?: string; readonly statusMessage?: string; readonly description?: string }): boolean {
  if (activity.statusCode !== 'Failed') return false;
  return /spot/i.test(`${activity.statusMessage ?? ''} ${activity.description ?? ''}`);
}
