/**
 * Least-privilege IAM documents of builder hosts: read this pool's own NATS credentials (and, for
 * Solaris hosts, the guest image object). Nothing else: no SSM sessions, no describe calls.
 */

/** The trust policy letting EC2 instances assume a role. */
export function ec2AssumeRolePolicy(): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
}

/** A builder's permissions: one SSM parameter (decrypted with the AWS-managed SSM key), optionally one S3 object. */
export function builderPolicy(parameterArn: string, imageObjectArn?: string): string {
  const statements: Record<string, unknown>[] = [
    { Sid: 'ReadOwnNatsCredentials', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: parameterArn },
    {
      Sid: 'DecryptWithSsmKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': `ssm.${regionOf(parameterArn)}.amazonaws.com` } },
    },
  ];
  if (imageObjectArn) statements.push({ Sid: 'ReadSolarisGuestImage', Effect: 'Allow', Action: ['s3:GetObject'], Resource: imageObjectArn });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * The scaler's permissions: set the desired capacity of the farm's own groups and terminate an
 * idle instance in them (both named by group in the resource), and describe groups and their
 * scaling activities (a failed Spot launch; IAM narrows neither by resource). Nothing else: no
 * EC2, no other groups.
 */
export function scalerPolicy(groupArns: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ScaleOwnGroups',
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        Resource: [...groupArns],
      },
      { Sid: 'DescribeGroups', Effect: 'Allow', Action: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'], Resource: '*' },
    ],
  });
}

function regionOf(arn: string): string {
  return arn.split(':')[3] ?? '*';
}

/** The SSM parameter name holding one pool's NATS credentials. */
export function credsParameterName(stack: string, platformId: string): string {
  return `/rfarm/${stack}/nats-creds/${platformId}`;
}
