import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, hostName } from '../naming.ts';
import { renderSolarisHostUserData } from '../user-data/solaris-host.ts';
import { builderInstanceSettings, ssmBootstrapInput, type AwsBuilderArgs } from './aws-builder-args.ts';
import { HostIdentity } from './host-identity.ts';

/** Debian's official AWS account, owner of the KVM host AMI. */
export const DEBIAN_AMI_OWNER = '136693071363';

/** Arguments of the Solaris KVM hosts. */
export interface SolarisHostsArgs extends AwsBuilderArgs {
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
 */
export class SolarisHosts extends pulumi.ComponentResource {
  readonly instances: aws.ec2.Instance[];

  constructor(name: string, args: SolarisHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:SolarisHosts', name, { platform: args.platform.id }, opts);
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
          ...builderInstanceSettings(identity, args.volumeGb, userData, tags),
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
