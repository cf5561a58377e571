import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsTags, resourceName } from '../naming.ts';
import { NatInstance } from './nat-instance.ts';
import { subnetCidrs } from './subnets.ts';

/** Arguments of the AWS network. */
export interface NetworkArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** Private range of the VPC, e.g. 10.61.0.0/16. */
  readonly vpcCidr: string;
  /** Availability zones the private subnets span. */
  readonly availabilityZones: number;
  /** Instance type of the NAT instance (a small Graviton type such as t4g.nano). */
  readonly natInstanceType: string;
  /** Sources allowed to SSH into the NAT instance; empty closes SSH. */
  readonly adminCidrs: readonly string[];
}

/**
 * A VPC with private subnets for the builders (no public addresses) and one NAT instance
 * (nat-instance.ts) whose Elastic IP is the single egress address the DigitalOcean firewalls
 * admit for NATS, metrics and logs; the private route tables point at its network interface.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** Availability zone of each private subnet, in the same order (a dedicated host lives in one). */
  readonly privateSubnetZones: pulumi.Output<string>[];
  /** Public egress addresses as CIDRs (x.x.x.x/32). */
  readonly egressCidrs: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:aws:Network', name, {}, opts);
    const tags = (suffix: string) => awsTags(args.stack, 'network', resourceName(args.stack, 'network', suffix));
    const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, { parent: this });
    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags('vpc') },
      { parent: this },
    );
    const cidrs = subnetCidrs(args.vpcCidr, args.availabilityZones);
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tags('igw') }, { parent: this });
    const publicSubnet = new aws.ec2.Subnet(
      `${name}-public-1`,
      { vpcId: this.vpc.id, cidrBlock: cidrs.public[0], availabilityZone: zones.names[0], mapPublicIpOnLaunch: false, tags: tags('public-1') },
      { parent: this },
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-routes`,
      { vpcId: this.vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }], tags: tags('public-routes') },
      { parent: this },
    );
    new aws.ec2.RouteTableAssociation(`${name}-public-1-routes`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id }, { parent: this });
    const nat = new NatInstance(
      `${name}-nat`,
      {
        stack: args.stack,
        vpcId: this.vpc.id,
        vpcCidr: args.vpcCidr,
        subnetId: publicSubnet.id,
        instanceType: args.natInstanceType,
        adminCidrs: args.adminCidrs,
      },
      { parent: this, dependsOn: [gateway] },
    );
    const privateRoutes = new aws.ec2.RouteTable(
      `${name}-private-routes`,
      { vpcId: this.vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', networkInterfaceId: nat.networkInterface.id }], tags: tags('private-routes') },
      { parent: this },
    );
    const privateSubnets = cidrs.private.map((cidrBlock, index) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${index + 1}`,
        { vpcId: this.vpc.id, cidrBlock, availabilityZone: zones.names[index], mapPublicIpOnLaunch: false, tags: tags(`private-${index + 1}`) },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-${index + 1}-routes`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, { parent: this });
      return subnet;
    });
    this.privateSubnetIds = privateSubnets.map((subnet) => subnet.id);
    this.privateSubnetZones = privateSubnets.map((subnet) => subnet.availabilityZone);
    this.egressCidrs = nat.address.publicIp.apply((address) => [`${address}/32`]);
    this.registerOutputs({ vpcId: this.vpc.id, egressCidrs: this.egressCidrs });
  }
}
