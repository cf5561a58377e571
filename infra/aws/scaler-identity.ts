import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, resourceName } from '../naming.ts';
import { scalerPolicy } from './iam-policies.ts';

/** Arguments of the scaler's AWS identity. */
export interface ScalerIdentityArgs {
  readonly stack: string;
  /** ARNs of the auto scaling groups it may size. */
  readonly groupArns: pulumi.Input<string>[];
}

/**
 * The scaler runs on a control-plane droplet, outside AWS, so it has no instance role: an IAM user
 * whose only permissions are to size and trim the farm's own auto scaling groups, and its key.
 */
export class ScalerIdentity extends pulumi.ComponentResource {
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: ScalerIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:ScalerIdentity', name, {}, opts);
    const userName = resourceName(args.stack, 'scaler');
    const user = new aws.iam.User(`${name}-user`, { name: userName, tags: awsTags(args.stack, 'scaler', userName) }, { parent: this });
    new aws.iam.UserPolicy(`${name}-policy`, { user: user.name, policy: pulumi.all(args.groupArns).apply((arns) => scalerPolicy(arns)) }, { parent: this });
    const key = new aws.iam.AccessKey(`${name}-key`, { user: user.name }, { parent: this });
    this.accessKeyId = key.id;
    this.secretAccessKey = pulumi.secret(key.secret);
    this.registerOutputs({ user: user.name });
  }
}
