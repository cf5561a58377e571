import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, resourceName, type Role } from '../naming.ts';
import { builderPolicy, credsParameterName, ec2AssumeRolePolicy } from './iam-policies.ts';

/** Arguments of a pool's identity. */
export interface HostIdentityArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The pool's role, tagged on every resource. */
  readonly role: Role;
  /** The platform the pool serves: names the SSM parameter and the role. */
  readonly platformId: string;
  /** VPC of the security group. */
  readonly vpcId: pulumi.Input<string>;
  /** The pool's NATS credentials, stored as a SecureString only its role can read. */
  readonly natsCreds: pulumi.Input<string>;
  /** S3 object the hosts may read (the Solaris guest image), as an ARN. */
  readonly imageObjectArn?: string;
  /** SSH sources; none by default, and the group then has no ingress at all. */
  readonly adminCidrs: readonly string[];
}

/**
 * What one AWS builder pool runs as: its NATS credentials in SSM Parameter Store, an instance role
 * allowed to read exactly that parameter, and a security group with no ingress.
 */
export class HostIdentity extends pulumi.ComponentResource {
  readonly parameter: aws.ssm.Parameter;
  readonly instanceProfile: aws.iam.InstanceProfile;
  readonly securityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: HostIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:HostIdentity', name, {}, opts);
    const tags = (suffix: string) => awsTags(args.stack, args.role, resourceName(args.stack, args.role, `${args.platformId}-${suffix}`), args.platformId);
    this.parameter = new aws.ssm.Parameter(
      `${name}-nats-creds`,
      { name: credsParameterName(args.stack, args.platformId), type: 'SecureString', value: pulumi.secret(args.natsCreds), tags: tags('nats-creds') },
      { parent: this },
    );
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: ec2AssumeRolePolicy(), tags: tags('role') }, { parent: this });
    new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.id, policy: this.parameter.arn.apply((arn) => builderPolicy(arn, args.imageObjectArn)) },
      { parent: this },
    );
    this.instanceProfile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: tags('profile') }, { parent: this });
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `rfarm ${args.role} ${args.platformId}: outbound only`,
        ingress:
          args.adminCidrs.length > 0
            ? [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: [...args.adminCidrs], description: 'SSH from admin CIDRs' }]
            : [],
        egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'], description: 'packages, CRAN, NATS' }],
        tags: tags('sg'),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
