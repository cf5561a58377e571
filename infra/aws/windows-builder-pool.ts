import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, resourceName } from '../naming.ts';
import { renderWindowsBuilderUserData } from '../user-data/windows-builder.ts';
import { ssmBootstrapInput, type AwsBuilderArgs } from './aws-builder-args.ts';
import { HostIdentity } from './host-identity.ts';
import { scaledBuilderGroup } from './scaled-builder-group.ts';
import { spotInstanceTypesFor } from './spot-instance-types.ts';

/** Arguments of one Windows platform's builder pool. */
export interface WindowsBuilderPoolArgs extends AwsBuilderArgs {
  /** EC2 instance type of the builders, e.g. m7i.xlarge. */
  readonly instanceType: string;
  /** AMI name filter from the platform's image definition, e.g. Windows_Server-2022-English-Full-Base-*. */
  readonly amiNameFilter: string;
  /** Rtools series from the image definition. */
  readonly rtools: string;
  /** Text of images/windows/provision.ps1, run by the user data. */
  readonly provisionScript: string;
}

/**
 * Windows builders for one platform: a launch template (IMDSv2 only, encrypted gp3, no public
 * address, PowerShell user-data) and two auto scaling groups across the private subnets on it: a
 * Spot group new hosts go to (several instance types of the configured one's shape), and an
 * on-demand group taking what Spot cannot give (scaled-builder-group.ts, scaler/aws-spot-fallback-pool.ts).
 */
export class WindowsBuilderPool extends pulumi.ComponentResource {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  /** The on-demand group: the fallback. */
  readonly group: aws.autoscaling.Group;
  /** The Spot group, which new hosts go to. */
  readonly spotGroup: aws.autoscaling.Group;
  /** The platform the pool serves. */
  readonly platformId: string;
  /** The on-demand group's name. */
  readonly groupName: string;
  /** The Spot group's name; the scaler sizes the pool by both. */
  readonly spotGroupName: string;

  constructor(name: string, args: WindowsBuilderPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:WindowsBuilderPool', name, { platform: args.platform.id }, opts);
    const poolName = resourceName(args.stack, 'builder', args.platform.id);
    this.platformId = args.platform.id;
    this.groupName = poolName;
    this.spotGroupName = `${poolName}-spot`;
    const tags = awsTags(args.stack, 'builder', poolName, args.platform.id);
    const identity = new HostIdentity(
      `${name}-identity`,
      { stack: args.stack, role: 'builder', platformId: args.platform.id, vpcId: args.vpcId, natsCreds: args.natsCreds, adminCidrs: [] },
      { parent: this },
    );
    const ami = aws.ec2.getAmiOutput(
      {
        owners: ['amazon'],
        mostRecent: true,
        filters: [
          { name: 'name', values: [args.amiNameFilter] },
          { name: 'architecture', values: ['x86_64'] },
        ],
      },
      { parent: this },
    );
    const userData = pulumi
      .output(args.caPem)
      .apply((caPem) => renderWindowsBuilderUserData({ ...ssmBootstrapInput(args, caPem), provisionScript: args.provisionScript, rtools: args.rtools }));
    const groups = scaledBuilderGroup(
      name,
      {
        poolName,
        imageId: ami.id,
        instanceType: args.instanceType,
        identity,
        rootDevice: '/dev/sda1',
        volumeGb: args.volumeGb,
        userData,
        tags,
        size: args.size,
        subnetIds: args.subnetIds,
        spot: { instanceTypes: spotInstanceTypesFor(args.instanceType) },
      },
      this,
    );
    this.launchTemplate = groups.launchTemplate;
    this.group = groups.group;
    this.spotGroup = groups.spotGroup!;
    this.registerOutputs({ group: this.group.name, spotGroup: this.spotGroup.name });
  }
}
