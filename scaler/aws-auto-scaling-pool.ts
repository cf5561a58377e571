/**
 * A Windows (or Solaris) pool as an AWS Auto Scaling group. Growing sets the group's desired
 * capacity; shrinking terminates the named idle instances and lowers the capacity with them
 * (`ShouldDecrementDesiredCapacity`), so AWS never chooses which instance goes. The official
 * `@aws-sdk/client-auto-scaling` signs and encodes the Query API; `endpoint` points it elsewhere
 * (a loopback stand-in in tests).
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import type { PoolHost } from './pool-decision.ts';
import { ProviderError, type PoolProvider } from './pool-provider.ts';

/** How to reach one Auto Scaling group. */
export interface AwsAutoScalingPoolOptions {
  readonly region: string;
  /** The group the stack declared for the platform. */
  readonly groupName: string;
  /** API endpoint override (tests, VPC endpoints); the regional endpoint when absent. */
  readonly endpoint?: string;
  /** Static credentials; the SDK's default chain (instance role) when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

// States of instances that are leaving the group and no longer count.
const LEAVING = /^(Terminating|Terminated|Detaching|Detached|Standby|EnteringStandby)/;

/** Ids of a described group's instances that are booting or running (not leaving). */
export function activeInstanceIds(group: AutoScalingGroup): string[] {
  return (group.Instances ?? [])
    .filter((instance) => instance.InstanceId && !LEAVING.test(instance.LifecycleState ?? ''))
    .map((instance) => instance.InstanceId!);
}

/** The Auto Scaling client of a pool: two attempts per call, so a scaler pass is not held up for long. */
export function autoScalingClient(options: Omit<AwsAutoScalingPoolOptions, 'groupName'>): AutoScalingClient {
  return new AutoScalingClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials, maxAttempts: 2 });
}

/** Runs one API call of the pool `label`, its failure turned into a ProviderError naming the pool and the operation. */
export async function poolCall<T>(label: string, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(label, operation, (error as Error).message, { cause: error });
  }
}

/** Terminates each instance in whichever group holds it, lowering that group's desired capacity with it (AWS then starts no replacement). */
export async function terminateInstances(client: AutoScalingClient, label: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await poolCall(label, `terminate ${id}`, () =>
      client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true })),
    );
  }
}

/** A pool backed by one Auto Scaling group. Host names are instance ids, which Windows agents report as their worker id (images/windows/provision.ps1). */
export class AwsAutoScalingPool implements PoolProvider {
  private readonly client: AutoScalingClient;
  private readonly label: string;
  constructor(private readonly options: AwsAutoScalingPoolOptions) {
    this.client = autoScalingClient(options);
    this.label = `aws group ${options.groupName}`;
  }

  async listHosts(): Promise<PoolHost[]> {
    const result = await this.call('describe group', () =>
      this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [this.options.groupName] })),
    );
    const group = result.AutoScalingGroups?.[0];
    if (!group) throw new ProviderError(this.label, 'describe group', 'no such Auto Scaling group; check the stack output for its name');
    return activeInstanceIds(group).map((id) => ({ id, name: id }));
  }

  async launch(launch: number, desired: number): Promise<void> {
    if (launch <= 0) return;
    await this.call('set desired capacity', () =>
      this.client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: this.options.groupName, DesiredCapacity: desired, HonorCooldown: false })),
    );
  }

  remove(ids: readonly string[]): Promise<void> {
    return terminateInstances(this.client, this.label, ids);
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return poolCall(this.label, operation, send);
  }
}
