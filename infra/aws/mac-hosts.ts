import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';
import { awsTags, hostName } from '../naming.ts';
import type { AgentLayout } from '../sizing.ts';
import type { PoolSize } from '../stack-config.ts';
import type { AgentSettings } from '../user-data/agent-environment.ts';
import { renderMacHostUserData } from '../user-data/mac-host.ts';
import { credsParameterName } from './iam-policies.ts';
import { HostIdentity } from './host-identity.ts';

/** Amazon's account, owner of the EC2 macOS AMIs. */
export const MACOS_AMI_OWNER = 'amazon';

/** Arguments of the EC2 Mac builders of one macOS platform. */
export interface MacHostsArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The catalogue platform every host of the pool serves. */
  readonly platform: Platform;
  /** The pool's size; `desired` hosts are declared. */
  readonly size: PoolSize;
  /** Agents each host runs (sizing.ts `agentLayoutFor`); default one. */
  readonly agents?: AgentLayout;
  /** A Mac instance type for the platform's architecture: `mac2.metal` (M1) or `mac2-m2.metal` for arm64. */
  readonly instanceType: string;
  /** Root volume of each Mac instance (gp3, encrypted), GB. */
  readonly volumeGb: number;
  /** AMI name filter from the platform's image definition, e.g. amzn-ec2-macos-14.*-arm64. */
  readonly amiNameFilter: string;
  /** R version provision.sh installs, from the platform's image definition. */
  readonly rVersion: string;
  /** AWS region (the SSM parameter's, for the user data). */
  readonly region: string;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets the hosts go in, spread round-robin. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Availability zone of each subnet, in the same order. */
  readonly subnetZones: pulumi.Input<string>[];
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
 * macOS builders on Apple hardware in AWS: per host an EC2 Mac dedicated host (allocated for at
 * least 24 hours, billed per hour while allocated) and one instance on it from Amazon's macOS AMI,
 * bootstrapped through user data (infra/user-data/mac-host.ts). Like the Windows pools: IMDSv2
 * only, encrypted root volume, no public address, NATS credentials in SSM.
 */
export class MacHosts extends pulumi.ComponentResource {
  readonly hosts: aws.ec2.DedicatedHost[];
  readonly instances: aws.ec2.Instance[];

  constructor(name: string, args: MacHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:MacHosts', name, { platform: args.platform.id }, opts);
    const identity = new HostIdentity(
      `${name}-identity`,
      { stack: args.stack, role: 'builder', platformId: args.platform.id, vpcId: args.vpcId, natsCreds: args.natsCreds, adminCidrs: [] },
      { parent: this },
    );
    const ami = aws.ec2.getAmiOutput(
      {
        owners: [MACOS_AMI_OWNER],
        mostRecent: true,
        filters: [
          { name: 'name', values: [args.amiNameFilter] },
          { name: 'architecture', values: ['arm64_mac'] },
        ],
      },
      { parent: this },
    );
    const userData = pulumi.output(args.caPem).apply((caPem) =>
      renderMacHostUserData({
        stack: args.stack,
        platform: args.platform,
        caPem,
        sourceRepo: args.sourceRepo,
        sourceRef: args.sourceRef,
        lokiUrl: args.lokiUrl,
        remoteWriteUrl: args.remoteWriteUrl,
        agent: args.agent,
        agents: args.agents,
        credsParameter: credsParameterName(args.stack, args.platform.id),
        region: args.region,
        rVersion: args.rVersion,
      }),
    );
    this.hosts = [];
    this.instances = Array.from({ length: args.size.desired }, (_, index) => {
      const host = hostName(args.stack, 'builder', index + 1, args.platform.id);
      const tags = awsTags(args.stack, 'builder', host, args.platform.id);
      const subnet = index % args.subnetIds.length;
      const dedicated = new aws.ec2.DedicatedHost(
        `${name}-host-${index + 1}`,
        { instanceType: args.instanceType, availabilityZone: args.subnetZones[subnet], autoPlacement: 'off', tags },
        { parent: this },
      );
      this.hosts.push(dedicated);
      return new aws.ec2.Instance(
        `${name}-${index + 1}`,
        {
          ami: ami.id,
          instanceType: args.instanceType,
          tenancy: 'host',
          hostId: dedicated.id,
          subnetId: args.subnetIds[subnet],
          associatePublicIpAddress: false,
          vpcSecurityGroupIds: [identity.securityGroup.id],
          iamInstanceProfile: identity.instanceProfile.name,
          metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
          rootBlockDevice: { volumeSize: args.volumeGb, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, tags },
          userData,
          userDataReplaceOnChange: true,
          tags,
        },
        // As for the Solaris hosts: a new macOS AMI does not replace a builder; `pulumi up --replace` does.
        { parent: this, ignoreChanges: ['ami'] },
      );
    });
    this.registerOutputs({});
  }
}
