/**
 * What the three AWS builder pools (macOS on EC2 Mac, Windows, Solaris under KVM) share: the
 * arguments of an EC2 builder in the farm's VPC, and the part of their user data that is the same
 * for all — the host fetches its pool's NATS credentials from SSM Parameter Store with its
 * instance role (they are never in the user data), then boots as every builder does.
 */
import type * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { builderBootFields, type BuilderBootFields, type BuilderHostArgs } from '../builder-host-args.ts';
import type { HostIdentity } from './host-identity.ts';
import { credsParameterName } from './iam-policies.ts';

/** The arguments of an AWS builder pool; each pool adds its own. */
export interface AwsBuilderArgs extends BuilderHostArgs {
  /** EC2 instance type of the builders. */
  readonly instanceType: string;
  /** Root volume of each builder (gp3, encrypted), GB. */
  readonly volumeGb: number;
  /** AWS region (the SSM parameter's, for the user data). */
  readonly region: string;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets the hosts go in, spread round-robin. */
  readonly subnetIds: pulumi.Input<string>[];
}

/** The user-data input every AWS builder renders alike (each renderer adds its pool's own). */
export interface SsmBootstrapInput extends BuilderBootFields {
  /** SSM parameter holding this pool's NATS credentials. */
  readonly credsParameter: string;
  /** AWS region of that parameter. */
  readonly region: string;
  /** The farm CA (PEM), resolved. */
  readonly caPem: string;
}

/** The shared part of an AWS builder's user data, once the CA is known. */
export function ssmBootstrapInput(args: AwsBuilderArgs, caPem: string): SsmBootstrapInput {
  return { ...builderBootFields(args), credsParameter: credsParameterName(args.stack, args.platform.id), region: args.region, caPem };
}

/**
 * What every EC2 builder instance is, whatever it runs: no public address, its pool's security
 * group and instance role, IMDSv2 only (a build cannot take the role's credentials from the
 * metadata service without a token), an encrypted gp3 root volume, replaced when its user data
 * changes.
 */
export function builderInstanceSettings(
  identity: HostIdentity,
  volumeGb: number,
  userData: pulumi.Input<string>,
  tags: Record<string, string>,
): Partial<aws.ec2.InstanceArgs> {
  return {
    associatePublicIpAddress: false,
    vpcSecurityGroupIds: [identity.securityGroup.id],
    iamInstanceProfile: identity.instanceProfile.name,
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
    rootBlockDevice: { volumeSize: volumeGb, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, tags },
    userData,
    userDataReplaceOnChange: true,
    tags,
  };
}
