import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';
import { awsTags, resourceName } from '../naming.ts';
import type { AgentLayout } from '../sizing.ts';
import type { PoolSize } from '../stack-config.ts';
import type { AgentSettings } from '../user-data/agent-environment.ts';
import { renderWindowsBuilderUserData } from '../user-data/windows-builder.ts';
import { credsParameterName } from './iam-policies.ts';
import { HostIdentity } from './host-identity.ts';

/** Arguments of one Windows platform's builder pool. */
export interface WindowsBuilderPoolArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The catalogue platform every host of the pool serves. */
  readonly platform: Platform;
  /** The pool's size; `desired` hosts are declared. */
  readonly size: PoolSize;
  /** Agents each host runs (sizing.ts `agentLayoutFor`); default one. */
  readonly agents?: AgentLayout;
  /** EC2 instance type of the builders, e.g. m7i.xlarge. */
  readonly instanceType: string;
  /** Root volume of each builder (gp3, encrypted), GB. */
  readonly volumeGb: number;
  /** AMI name filter from the platform's image definition, e.g. Windows_Server-2022-English-Full-Base-*. */
  readonly amiNameFilter: string;
  /** Rtools series from the image definition. */
  readonly rtools: string;
  /** Text of images/windows/provision.ps1, run by the user data. */
  readonly provisionScript: string;
  /** AWS region (the SSM parameter's, for the user data). */
  readonly region: string;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets the hosts go in, spread round-robin. */
  readonly subnetIds: pulumi.Input<string>[];
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
 * Windows builders for one platform: a launch template (IMDSv2 only, encrypted gp3, no public
 * address, PowerShell user-data) and an auto scaling group across the private subnets.
 */
export class WindowsBuilderPool extends pulumi.ComponentResource {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
  /** The platform the pool serves. */
  readonly platformId: string;
  /** The group's name, which the scaler sizes it by. */
  readonly groupName: string;

  constructor(name: string, args: WindowsBuilderPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:WindowsBuilderPool', name, { platform: args.platform.id }, opts);
    const poolName = resourceName(args.stack, 'builder', args.platform.id);
    this.platformId = args.platform.id;
    this.groupName = poolName;
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
    const userData = pulumi.output(args.caPem).apply((caPem) =>
      renderWindowsBuilderUserData({
        stack: args.stack,
        platform: args.platform,
        provisionScript: args.provisionScript,
        rtools: args.rtools,
        sourceRepo: args.sourceRepo,
        sourceRef: args.sourceRef,
        credsParameter: credsParameterName(args.stack, args.platform.id),
        region: args.region,
        caPem,
        lokiUrl: args.lokiUrl,
        remoteWriteUrl: args.remoteWriteUrl,
        agent: args.agent,
        agents: args.agents,
      }),
    );
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        namePrefix: `${poolName}-`,
        imageId: ami.id,
        instanceType: args.instanceType,
        iamInstanceProfile: { arn: identity.instanceProfile.arn },
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
          { deviceName: '/dev/sda1', ebs: { volumeSize: args.volumeGb, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
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
        launchTemplate: { id: this.launchTemplate.id, version: '$Latest' },
        healthCheckType: 'EC2',
        tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      // The scaler (scaler/) moves desired capacity with the queue; `pulumi up` must not reset it.
      { parent: this, ignoreChanges: ['desiredCapacity'] },
    );
    this.registerOutputs({ group: this.group.name });
  }
}
