import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';
import { awsTags, hostName } from '../naming.ts';
import type { PoolSize } from '../stack-config.ts';
import type { AgentSettings } from '../user-data/agent-environment.ts';
import { renderSolarisHostUserData } from '../user-data/solaris-host.ts';
import { credsParameterName } from './iam-policies.ts';
import { HostIdentity } from './host-identity.ts';

/** Debian's official AWS account, owner of the KVM host AMI. */
export const DEBIAN_AMI_OWNER = '136693071363';

/** Arguments of the Solaris KVM hosts. */
export interface SolarisHostsArgs {
  readonly stack: string;
  readonly platform: Platform;
  readonly size: PoolSize;
  /** Must support nested virtualization (8th-generation Intel: C8i, M8i, R8i). */
  readonly instanceType: string;
  readonly volumeGb: number;
  readonly imageBucket: string;
  readonly imageKey: string;
  readonly kvmHostScript: string;
  readonly region: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<string>[];
  readonly adminCidrs: readonly string[];
  readonly natsCreds: pulumi.Input<string>;
  readonly caPem: pulumi.Input<string>;
  readonly sourceRepo: string;
  readonly sourceRef: string;
  readonly lokiUrl: string;
  readonly remoteWriteUrl: string;
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
}

/**
 * Solaris 11.4 x86 builders: there is no Solaris AMI, so each is a Debian EC2 instance with nested
 * virtualization enabled (`cpuOptions.nestedVirtualization`) running the Solaris guest under KVM.
 */
export class SolarisHosts extends pulumi.ComponentResource {
  readonly instances: aws.ec2.Instance[];

  constructor(name: string, args: SolarisHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:SolarisHosts', name, { platform: args.platform.id }, opts);
    const identity = new HostIdentity(
      `${name}-identity`,
      { stack: args.stack, role: 'solaris-host', platformId: args.platform.id, vpcId: args.vpcId, natsCreds: args.natsCreds, adminCidrs: args.adminCidrs, imageObjectArn: `arn:aws:s3:::${args.imageBucket}/${args.imageKey}` },
      { parent: this },
    );
    const ami = aws.ec2.getAmiOutput({ owners: [DEBIAN_AMI_OWNER], mostRecent: true, filters: [{ name: 'name', values: ['debian-12-amd64-*'] }] }, { parent: this });
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
    this.instances = Array.from({ length: args.size.desired }, (_, index) => {
      const host = hostName(args.stack, 'solaris-host', index + 1);
      const tags = awsTags(args.stack, 'solaris-host', host, args.platform.id);
      return new aws.ec2.Instance(
        `${name}-${index + 1}`,
        {
          ami: ami.id,
          instanceType: args.instanceType,
          cpuOptions: { nestedVirtualization: 'enabled' },
          subnetId: args.subnetIds[index % args.subnetIds.length],
          associatePublicIpAddress: false,
          vpcSecurityGroupIds: [identity.securityGroup.id],
          iamInstanceProfile: identity.instanceProfile.name,
          metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
          rootBlockDevice: { volumeSize: args.volumeGb, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, tags },
          userData,
          userDataReplaceOnChange: true,
          tags,
        },
        // `mostRecent` finds a new Debian AMI every few weeks; a host must not be replaced for that
        // (it holds the Solaris guest disk). The AMI a host has is the one it was created with; a newer
        // one arrives when the host is replaced on purpose (`pulumi up --replace <urn>`).
        { parent: this, ignoreChanges: ['ami'] },
      );
    });
    this.registerOutputs({});
  }
}
