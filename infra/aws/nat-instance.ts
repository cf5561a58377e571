import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, resourceName } from '../naming.ts';
import { renderNatGatewayUserData } from '../user-data/nat-gateway.ts';
import { DEBIAN_AMI_OWNER } from './solaris-hosts.ts';

/** Arguments of the VPC's NAT instance. */
export interface NatInstanceArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The VPC. */
  readonly vpcId: pulumi.Input<string>;
  /** Its private range: what the instance forwards and masquerades. */
  readonly vpcCidr: string;
  /** The public subnet the instance lives in (its route goes to the internet gateway). */
  readonly subnetId: pulumi.Input<string>;
  /** A small Graviton type, e.g. t4g.nano (the AMI looked up is Debian 12 arm64). */
  readonly instanceType: string;
  /** Sources allowed to SSH in; empty closes SSH. */
  readonly adminCidrs: readonly string[];
}

/** The instance's ingress from the VPC: every port but SSH (which only admins get), any protocol the builders send out. */
export function natIngressRules(vpcCidr: string, adminCidrs: readonly string[]): aws.types.input.ec2.SecurityGroupIngress[] {
  const fromVpc = (protocol: string, fromPort: number, toPort: number) => ({
    protocol,
    fromPort,
    toPort,
    cidrBlocks: [vpcCidr],
    description: 'forwarded for the VPC',
  });
  return [
    fromVpc('tcp', 1, 21),
    fromVpc('tcp', 23, 65535),
    fromVpc('udp', 0, 65535),
    fromVpc('icmp', -1, -1),
    ...(adminCidrs.length > 0 ? [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: [...adminCidrs], description: 'SSH from admin CIDRs' }] : []),
  ];
}

/**
 * A NAT instance instead of a managed NAT gateway (the "fck-nat" pattern): a network interface in
 * the public subnet with source/destination checking off and the Elastic IP on it, and a small
 * instance on that interface whose user data turns on forwarding and masquerading
 * (user-data/nat-gateway.ts). The private route tables point at the interface, so a replaced
 * instance keeps the routes and the address the DigitalOcean firewalls admit.
 */
export class NatInstance extends pulumi.ComponentResource {
  /** The interface the private routes point at. */
  readonly networkInterface: aws.ec2.NetworkInterface;
  /** The public address the VPC's traffic leaves from. */
  readonly address: aws.ec2.Eip;
  readonly instance: aws.ec2.Instance;

  constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:NatInstance', name, {}, opts);
    const tags = (suffix: string) => awsTags(args.stack, 'nat', resourceName(args.stack, 'nat', suffix));
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: 'rfarm NAT instance: forwards the VPC to the internet',
        ingress: natIngressRules(args.vpcCidr, args.adminCidrs),
        egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'], description: 'the internet, for the VPC' }],
        tags: tags('sg'),
      },
      { parent: this },
    );
    this.networkInterface = new aws.ec2.NetworkInterface(
      `${name}-eni`,
      { subnetId: args.subnetId, securityGroups: [securityGroup.id], sourceDestCheck: false, description: 'rfarm NAT instance', tags: tags('eni') },
      { parent: this },
    );
    this.address = new aws.ec2.Eip(`${name}-ip`, { domain: 'vpc', networkInterface: this.networkInterface.id, tags: tags('ip') }, { parent: this });
    const ami = aws.ec2.getAmiOutput(
      {
        owners: [DEBIAN_AMI_OWNER],
        mostRecent: true,
        filters: [
          { name: 'name', values: ['debian-12-arm64-*'] },
          { name: 'architecture', values: ['arm64'] },
        ],
      },
      { parent: this },
    );
    this.instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.id,
        instanceType: args.instanceType,
        networkInterfaces: [{ networkInterfaceId: this.networkInterface.id, deviceIndex: 0 }],
        metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled' },
        rootBlockDevice: { volumeSize: 8, volumeType: 'gp3', encrypted: true },
        userData: renderNatGatewayUserData({ privateCidrs: [args.vpcCidr] }),
        tags: tags('instance'),
      },
      // The address must be on the interface before the instance boots: its user data installs nftables.
      { parent: this, dependsOn: [this.address], ignoreChanges: ['ami'] },
    );
    this.registerOutputs({ address: this.address.publicIp });
  }
}
