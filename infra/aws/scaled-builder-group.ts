/**
 * The launch template and Auto Scaling group of a builder pool the scaler sizes (Windows, Solaris):
 * hosts with no public address, their pool's security group and instance role, IMDSv2 only, an
 * encrypted gp3 root volume, the pool's tags on the instances and volumes. The group starts at the
 * stack's `desired` size; from then on the scaler moves its desired capacity with the queue, so
 * `pulumi up` leaves that alone.
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
}

/** Declares the template and the group under `parent`. */
export function scaledBuilderGroup(
  name: string,
  args: ScaledBuilderGroupArgs,
  parent: pulumi.Resource,
): { launchTemplate: aws.ec2.LaunchTemplate; group: aws.autoscaling.Group } {
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
  const group = new aws.autoscaling.Group(
    `${name}-group`,
    {
      name: args.poolName,
      minSize: args.size.min,
      maxSize: args.size.max,
      desiredCapacity: args.size.desired,
      vpcZoneIdentifiers: args.subnetIds,
      // A new AMI makes a new template version; running hosts keep theirs (a Solaris host holds its
      // guest's disk) and only hosts started afterwards take it.
      launchTemplate: { id: launchTemplate.id, version: '$Latest' },
      healthCheckType: 'EC2',
      tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    },
    // The scaler (scaler/) moves desired capacity with the queue; `pulumi up` must not reset it.
    { parent, ignoreChanges: ['desiredCapacity'] },
  );
  return { launchTemplate, group };
}
