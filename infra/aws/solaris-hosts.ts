import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';
import { awsTags, resourceName } from '../naming.ts';
import type { PoolSize } from '../stack-config.ts';
import type { AgentSettings } from '../user-data/agent-environment.ts';
import { renderSolarisHostUserData } from '../user-data/solaris-host.ts';
import { credsParameterName } from './iam-policies.ts';
import { HostIdentity } from './host-identity.ts';

/** Debian's official AWS account, owner of the KVM host AMI. */
export const DEBIAN_AMI_OWNER = '136693071363';

/** Arguments of the Solaris KVM hosts. */
export interface SolarisHostsArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The catalogue platform every host of the pool serves. */
  readonly platform: Platform;
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
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets the hosts go in, spread round-robin. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Sources allowed to SSH in; empty closes SSH. */
  readonly adminCidrs: readonly string[];
  /** This pool's own NATS credentials (a `.creds` file); secret. */
  readonly natsCreds: pulumi.Input<string>;
  /** The farm CA (PEM) the host trusts NATS, Loki and Prometheus with. */
  readonly caPem: pulumi.Input<string>;
  /** Git repository the host checks out into /opt/rfarm. */
  readonly sourceRepo: string;
  /** Branch, tag or commit of that checkout. */
  readonly sourceRef: string;
  /** Loki push URL the host ships its logs to with Alloy. */
  readonly lokiUrl: string;
  /** Prometheus remote-write URL the host pushes its metrics to with Alloy. */
  readonly remoteWriteUrl: string;
  /** The agent's settings that do not depend on the host (NATS URLs, sysreqs URL, R repositories). */
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
}

/**
 * Solaris 11.4 x86 builders: there is no Solaris AMI, so each is a Debian EC2 instance with nested
 * virtualization enabled (`cpuOptions.nestedVirtualization`) running the Solaris guest under KVM.
 * The instances come from an Auto Scaling group the scaler sizes with the queue, as it does the
 * Windows groups (the guest's agent reports `<instance id>-agent-1`, set by kvm-host.sh).
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
        stack: args.stack,
        platform: args.platform,
        kvmHostScript: args.kvmHostScript,
        imageBucket: args.imageBucket,
        imageKey: args.imageKey,
        credsParameter: credsParameterName(args.stack, args.platform.id),
        region: args.region,
        sourceRepo: args.sourceRepo,
        sourceRef: args.sourceRef,
        caPem,
        lokiUrl: args.lokiUrl,
        remoteWriteUrl: args.remoteWriteUrl,
        agent: args.agent,
      }),
    );
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        namePrefix: `${poolName}-`,
        imageId: ami.id,
        instanceType: args.instanceType,
        cpuOptions: { nestedVirtualization: 'enabled' },
        iamInstanceProfile: { arn: identity.instanceProfile.arn },
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
          { deviceName: '/dev/xvda', ebs: { volumeSize: args.volumeGb, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
        ],
        networkInterfaces: [{ associatePublicIpAddress: 'false', securityGroups: [identity.securityGroup.id], deleteOnTermination: 'true' }],
        userData: userData.apply((text) => Buffer.from(text, 'utf8').toString('base64')),
        tagSpecifications: [
          { resourceType: 'instance', tags },
          { resourceType: 'volume', tags },
        ],
        tags,
      },
      { parent: this },
    );
    this.group = new aws.autoscaling.Group(
      `${name}-group`,
      {
        name: poolName,
        minSize: args.size.min,
        maxSize: args.size.max,
        desiredCapacity: args.size.desired,
        vpcZoneIdentifiers: args.subnetIds,
        // A new Debian AMI makes a new template version; running hosts keep theirs (each holds a
        // Solaris guest disk) and only hosts started afterwards take it.
        launchTemplate: { id: this.launchTemplate.id, version: '$Latest' },
        healthCheckType: 'EC2',
        tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      // The scaler (scaler/) moves desired capacity with the queue; `pulumi up` must not reset it.
      { parent: this, ignoreChanges: ['desiredCapacity'] },
    );
    this.registerOutputs({ groupName: poolName });
  }
}
