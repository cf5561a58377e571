/**
 * A Windows pool as two Auto Scaling groups on one launch template: a Spot group (all Spot, several
 * instance types of one shape) that new hosts go to, and an on-demand group that takes the hosts
 * the Spot group fails to produce (spot-fallback-decision.ts says when). Hosts are listed from
 * both; removing a host terminates it in whichever group holds it, lowering that group's capacity
 * with it, so AWS never chooses which instance goes. Through the official
 * `@aws-sdk/client-auto-scaling`, as aws-auto-scaling-pool.ts.
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { activeInstanceIds, autoScalingClient, poolCall, terminateInstances, type AwsAutoScalingPoolOptions } from './aws-auto-scaling-pool.ts';
import type { PoolHost } from './pool-decision.ts';
import { ProviderError, type PoolProvider } from './pool-provider.ts';
import { decideSpotFallback, isFailedSpotLaunch, NO_SHORTFALL, type GroupCapacity, type SpotFallbackMemory } from './spot-fallback-decision.ts';

/** How to reach the pool's two groups. */
export interface AwsSpotFallbackPoolOptions extends Omit<AwsAutoScalingPoolOptions, 'groupName'> {
  /** The Spot group new hosts go to. */
  readonly spotGroupName: string;
  /** The on-demand group that takes what the Spot group fails to start. */
  readonly onDemandGroupName: string;
  /** How long the Spot group may stay short before its shortfall starts on demand. */
  readonly fallbackMs: number;
  /** Clock (ms since the epoch); tests pass their own. */
  readonly clock?: () => number;
}

interface Groups {
  readonly spot: AutoScalingGroup;
  readonly onDemand: AutoScalingGroup;
}

/** A pool backed by a Spot group with an on-demand fallback. Host names are instance ids. */
export class AwsSpotFallbackPool implements PoolProvider {
  private readonly client: AutoScalingClient;
  private readonly label: string;
  private readonly clock: () => number;
  private memory: SpotFallbackMemory = NO_SHORTFALL;
  /** The groups as the last listing saw them. */
  private last: Groups | null = null;
  /** The groups as `settle` saw them when it changed nothing: the scaler lists the hosts next, from these. */
  private settled: Groups | null = null;

  constructor(private readonly options: AwsSpotFallbackPoolOptions) {
    this.client = autoScalingClient(options);
    this.label = `aws groups ${options.spotGroupName} (Spot) and ${options.onDemandGroupName} (on demand)`;
    this.clock = options.clock ?? Date.now;
  }

  /** Moves the Spot group's shortfall to the on-demand group once it has lasted too long or a Spot launch failed. */
  async settle(): Promise<string | null> {
    const groups = await this.describe();
    const spot = capacity(groups.spot);
    const now = this.clock();
    const failures = spot.desired > spot.instances ? await this.failedSpotLaunches() : [];
    const decision = decideSpotFallback(spot, capacity(groups.onDemand), failures, this.memory, now, this.options.fallbackMs);
    if (decision.moveToOnDemand > 0) {
      // Spot first, down to the hosts it holds (so AWS stops none): if the second call fails, the
      // next pass sees the hosts missing and asks again; the other order could start them twice.
      await this.setDesired(this.options.spotGroupName, decision.spotDesired);
      await this.setDesired(this.options.onDemandGroupName, decision.onDemandDesired);
    }
    this.memory = decision.memory;
    this.settled = decision.moveToOnDemand > 0 ? null : groups;
    return decision.moveToOnDemand > 0 ? decision.reason : null;
  }

  async listHosts(): Promise<PoolHost[]> {
    // One describe per scaler pass: settle's, unless it changed the groups since.
    const groups = this.settled ?? (await this.describe());
    this.settled = null;
    this.last = groups;
    return [...activeInstanceIds(groups.spot), ...activeInstanceIds(groups.onDemand)].map((id) => ({ id, name: id }));
  }

  /** New hosts go to the Spot group: it is set to what the pool needs beyond the on-demand group's. */
  async launch(launch: number, desired: number): Promise<void> {
    if (launch <= 0) return;
    const groups = this.last ?? (await this.describe());
    const onDemand = groups.onDemand.DesiredCapacity ?? 0;
    // Never below what the Spot group holds: a lower desired capacity would let AWS pick which host goes.
    const spotDesired = Math.max(desired - onDemand, activeInstanceIds(groups.spot).length);
    await this.setDesired(this.options.spotGroupName, spotDesired);
    // The pool asked the Spot group for more: its wait for them starts now.
    if (this.memory.shortSince === null && spotDesired > activeInstanceIds(groups.spot).length) this.memory = { shortSince: this.clock() };
    this.last = null;
  }

  async remove(ids: readonly string[]): Promise<void> {
    this.last = null;
    this.settled = null;
    await terminateInstances(this.client, this.label, ids);
  }

  private async describe(): Promise<Groups> {
    const { spotGroupName, onDemandGroupName } = this.options;
    const result = await this.call('describe groups', () =>
      this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [spotGroupName, onDemandGroupName] })),
    );
    const find = (name: string) => {
      const group = result.AutoScalingGroups?.find((candidate) => candidate.AutoScalingGroupName === name);
      if (!group) throw new ProviderError(this.label, 'describe groups', `no such Auto Scaling group ${name}; check the stack output for its name`);
      return group;
    };
    return { spot: find(spotGroupName), onDemand: find(onDemandGroupName) };
  }

  /** Start times of the Spot group's recent failed Spot launches (the API lists newest first). */
  private async failedSpotLaunches(): Promise<number[]> {
    const result = await this.call('describe scaling activities', () =>
      this.client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: this.options.spotGroupName, MaxRecords: 20 })),
    );
    return (result.Activities ?? [])
      .filter((activity) => isFailedSpotLaunch({ statusCode: activity.StatusCode, statusMessage: activity.StatusMessage, description: activity.Description }))
      .map((activity) => activity.StartTime?.getTime() ?? 0);
  }

  private async setDesired(group: string, desired: number): Promise<void> {
    await this.call(`set desired capacity of ${group}`, () =>
      this.client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group, DesiredCapacity: desired, HonorCooldown: false })),
    );
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return poolCall(this.label, operation, send);
  }
}

function capacity(group: AutoScalingGroup): GroupCapacity {
  return { desired: group.DesiredCapacity ?? 0, instances: activeInstanceIds(group).length };
}
