import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, resourceName } from '../naming.ts';
import type { PoolSize } from '../stack-config.ts';
import { renderSolarisHostUserData } from '../user-data/solaris-host.ts';
import { ssmBootstrapInput, type AwsBuilderArgs } from './aws-builder-args.ts';
import { HostIdentity } from './host-identity.ts';
import { scaledBuilderGroup } from './scaled-builder-group.ts';

/** Debian's official AWS account, owner of the KVM host AMI. */
export const DEBIAN_AMI_OWNER = '136693071363';

/** Arguments of the Solaris KVM hosts (one agent each, the Solaris guest's: no `agents`). */
export interface SolarisHostsArgs extends Omit<AwsBuilderArgs, 'agents'> {
  /** The pool's size: the group's min and max, and its starting capacity. */
  readonly size: PoolSize;
  /** Must support nested virtualization (8th-generation Intel: C8i, M8i, R8i). */
  readonly instanceType: string;
  /** Root volume of each KVM host (holds the Solaris guest disk), GB. */
  readonly volumeGb: number;
  /** S3 bucket holding the Solaris 11.4 x86 guest disk (qcow2). */
  readonly imageBucket: string;
  /** Object key of the guest disk in that bucket. */
  readonly imageKey: string;
  /** Text of images/solaris/kvm-host.sh, run by the user data. */
  readonly kvmHostScript: string;
  /** AWS region (the SSM parameter's and the bucket's, for the user data). */
  readonly region: string;
  /** Sources allowed to SSH in; empty closes SSH. */
  readonly adminCidrs: readonly string[];
}

/**
 * Solaris 11.4 x86 builders: there is no Solaris AMI, so each is a Debian EC2 instance with nested
 * virtualization enabled (`cpuOptions.nestedVirtualization`) running the Solaris guest under KVM.
 * The instances come from an Auto Scaling group the scaler sizes with the queue, as it does the
 * Windows groups (the guest's agent reports `<instance id>-agent-1`, set by kvm-host.sh).
 * On demand only, unlike Windows: nested virtualization exists on few instance types (the newest
 * Intel generation), so a Spot group would have few capacity pools to spread over; a reclaimed
 * host costs a 10-minute host and guest boot plus the guest disk it holds; and at 50 builds a day
 * the pool's compute is about $63 a month, so Spot would save little for that risk.
 */
export class SolarisHosts extends pulumi.ComponentResource {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
  /** The platform the pool serves. */
  readonly platformId: string;
  /** The group's name, which the scaler sizes it by. */
  readonly groupName: string;

  constructor(name: string, args: SolarisHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:SolarisHosts', name, { platform: args.platform.id }, opts);
    const poolName = resourceName(args.stack, 'solaris-host', args.platform.id);
    this.platformId = args.platform.id;
    this.groupName = poolName;
    const tags = awsTags(args.stack, 'solaris-host', poolName, args.platform.id);
    const identity = new HostIdentity(
      `${name}-identity`,
      {
        stack: args.stack,
        role: 'solaris-host',
        platformId: args.platform.id,
        vpcId: args.vpcId,
        natsCreds: args.natsCreds,
        adminCidrs: args.adminCidrs,
        imageObjectArn: `arn:aws:s3:::${args.imageBucket}/${args.imageKey}`,
      },
      { parent: this },
    );
    const ami = aws.ec2.getAmiOutput(
      { owners: [DEBIAN_AMI_OWNER], mostRecent: true, filters: [{ name: 'name', values: ['debian-12-amd64-*'] }] },
      { parent: this },
    );
    const userData = pulumi.output(args.caPem).apply((caPem) =>
      renderSolarisHostUserData({
        ...ssmBootstrapInput(args, caPem),
        kvmHostScript: args.kvmHostScript,
        imageBucket: args.imageBucket,
        imageKey: args.imageKey,
      }),
    );
    ({ launchTemplate: this.launchTemplate, group: this.group } = scaledBuilderGroup(
      name,
      {
        poolName,
        imageId: ami.id,
        instanceType: args.instanceType,
        cpuOptions: { nestedVirtualization: 'enabled' },
        identity,
        rootDevice: '/dev/xvda',
        volumeGb: args.volumeGb,
        userData,
        tags,
        size: args.size,
        subnetIds: args.subnetIds,
      },
      this,
    ));
    this.registerOutputs({ groupName: poolName });
  }
}
