/**
 * The launch template and Auto Scaling group of a builder pool the scaler sizes (Windows, Solaris):
 * hosts with no public address, their pool's security group and instance role, IMDSv2 only, an
 * encrypted gp3 root volume, the pool's tags on the instances and volumes. The group starts at the
 * stack's `desired` size; from then on the scaler moves its desired capacity with the queue, so
 * `pulumi up` leaves that alone.
 *
 * With `spot` (Windows), the pool has two groups on the same template, identity and tags: a Spot
 * group (all Spot above a base of 0, `price-capacity-optimized` across several types of one
 * shape, capacity rebalancing) that starts at `desired` and takes new hosts, and the on-demand
 * group, starting empty, that the scaler fills with what the Spot group fails to produce
 * (scaler/aws-spot-fallback-pool.ts). Both start at a minimum of 0: the pool's `min` is the
 * scaler's to keep (SCALER_POOLS), across both, and a Spot group held at a minimum could not hand
 * its shortfall over. A tag `PurchaseOption` (`spot` / `on-demand`) says which group a host is from.
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { PoolSize } from '../stack-config.ts';
import type { HostIdentity } from './host-identity.ts';

export interface ScaledBuilderGroupArgs {
  /** The group's name, and the prefix of its template's. */
  readonly poolName: string;
  readonly imageId: pulumi.Input<string>;
  readonly instanceType: string;
  /** Extra CPU options (Solaris's KVM hosts need nested virtualization). */
  readonly cpuOptions?: aws.types.input.ec2.LaunchTemplateCpuOptions;
  readonly identity: HostIdentity;
  /** The AMI's root device name (`/dev/sda1` on Windows, `/dev/xvda` on Debian). */
  readonly rootDevice: string;
  readonly volumeGb: number;
  readonly userData: pulumi.Output<string>;
  readonly tags: Record<string, string>;
  readonly size: PoolSize;
  readonly subnetIds: pulumi.Input<string>[];
  /** A Spot group besides the on-demand one, launching these types (the template's first; all of one shape). */
  readonly spot?: { readonly instanceTypes: readonly string[] };
}

/** What `scaledBuilderGroup` declares: `group` is the on-demand group, `spotGroup` the Spot one if asked for. */
export interface ScaledBuilderGroups {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
  readonly spotGroup?: aws.autoscaling.Group;
}

/** Declares the template and the group under `parent`. */
export function scaledBuilderGroup(name: string, args: ScaledBuilderGroupArgs, parent: pulumi.Resource): ScaledBuilderGroups {
  const { tags } = args;
  const launchTemplate = new aws.ec2.LaunchTemplate(
    `${name}-template`,
    {
      namePrefix: `${args.poolName}-`,
      imageId: args.imageId,
      instanceType: args.instanceType,
      ...(args.cpuOptions ? { cpuOptions: args.cpuOptions } : {}),
      iamInstanceProfile: { arn: args.identity.instanceProfile.arn },
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        { deviceName: args.rootDevice, ebs: { volumeSize: args.volumeGb, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
      ],
      networkInterfaces: [{ associatePublicIpAddress: 'false', securityGroups: [args.identity.securityGroup.id], deleteOnTermination: 'true' }],
      userData: args.userData.apply((text) => Buffer.from(text, 'utf8').toString('base64')),
      tagSpecifications: [
        { resourceType: 'instance', tags },
        { resourceType: 'volume', tags },
      ],
      tags,
    },
    { parent },
  );
  const groupTags = (purchaseOption: string) =>
    Object.entries({ ...tags, ...(args.spot ? { PurchaseOption: purchaseOption } : {}) }).map(([key, value]) => ({ key, value, propagateAtLaunch: true }));
  // A new AMI makes a new template version; running hosts keep theirs (a Solaris host holds its
  // guest's disk) and only hosts started afterwards take it.
  const template = { id: launchTemplate.id, version: '$Latest' };
  const common = { maxSize: args.size.max, vpcZoneIdentifiers: args.subnetIds, healthCheckType: 'EC2' };
  // The scaler (scaler/) moves desired capacity with the queue; `pulumi up` must not reset it.
  const options = { parent, ignoreChanges: ['desiredCapacity'] };
  const group = new aws.autoscaling.Group(
    `${name}-group`,
    {
      ...common,
      name: args.poolName,
      minSize: args.spot ? 0 : args.size.min,
      desiredCapacity: args.spot ? 0 : args.size.desired,
      launchTemplate: template,
      tags: groupTags('on-demand'),
    },
    options,
  );
  if (!args.spot) return { launchTemplate, group };
  const spotGroup = new aws.autoscaling.Group(
    `${name}-spot-group`,
    {
      ...common,
      name: `${args.poolName}-spot`,
      minSize: 0,
      desiredCapacity: args.size.desired,
      // When EC2 signals a host is at higher risk of reclaim, start its replacement first; the old
      // host is then terminated like a reclaimed one (its agent stops taking builds on the notice,
      // and a build it was running is redelivered by JetStream).
      capacityRebalance: true,
      mixedInstancesPolicy: {
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: 'price-capacity-optimized',
        },
        launchTemplate: {
          launchTemplateSpecification: { launchTemplateId: launchTemplate.id, version: '$Latest' },
          overrides: args.spot.instanceTypes.map((instanceType) => ({ instanceType })),
        },
      },
      tags: groupTags('spot'),
    },
    options,
  );
  return { launchTemplate, group, spotGroup };
}
