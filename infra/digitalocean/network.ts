import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { hostLifecycleOptions } from '../host-lifecycle.ts';
import { digitalOceanTags, hostName, resourceName } from '../naming.ts';
import { renderNatGatewayUserData } from '../user-data/nat-gateway.ts';

/** Arguments of the farm's DigitalOcean network. */
export interface NetworkArgs {
  /** Stack name, for names. */
  readonly stack: string;
  /** Region slug, e.g. "fra1". */
  readonly region: string;
  /** Private range of the VPC. */
  readonly vpcCidr: string;
  /** Droplet size of the VPC gateway (it forwards; a small one does). */
  readonly gatewaySize: string;
  /** Base image of the gateway droplet (Debian: nftables, cloud-init). */
  readonly dropletImage: string;
  /** SSH key fingerprints or ids put on the gateway (login still needs an admin CIDR). */
  readonly sshKeys: readonly string[];
}

/**
 * The VPC every droplet lives in, the project that groups the farm's resources in the console,
 * and the VPC gateway: a small droplet with a public address that forwards and masquerades what
 * the droplets without one (builders, control plane) send out; their user-data routes through it
 * (DigitalOcean's "droplet as a VPC gateway"; rules in user-data/nat-gateway.ts). It replaces
 * DigitalOcean's managed VPC NAT gateway at a fraction of its price.
 */
export class Network extends pulumi.ComponentResource {
  /** The VPC. */
  readonly vpc: digitalocean.Vpc;
  /** The DigitalOcean project of the stack. */
  readonly project: digitalocean.Project;
  /** The gateway droplet. */
  readonly gateway: digitalocean.Droplet;
  /** Its VPC address: the default route of droplets with public networking disabled. */
  readonly gatewayAddress: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:Network', name, {}, opts);
    this.vpc = new digitalocean.Vpc(`${name}-vpc`, { name: resourceName(args.stack, 'network'), region: args.region, ipRange: args.vpcCidr }, { parent: this });
    this.project = new digitalocean.Project(
      `${name}-project`,
      {
        name: resourceName(args.stack, 'network', 'project'),
        purpose: 'Service or API',
        environment: args.stack === 'prod' ? 'Production' : 'Development',
        description: `rfarm build farm, stack ${args.stack}`,
      },
      { parent: this },
    );
    // Kept, not replaced, on a change of its user data: a new gateway has a new VPC address, and
    // every private droplet's user data names it (replace it on purpose: README.md "Day two").
    this.gateway = new digitalocean.Droplet(
      `${name}-gateway`,
      {
        name: hostName(args.stack, 'nat', 1),
        region: args.region,
        size: args.gatewaySize,
        image: args.dropletImage,
        vpcUuid: this.vpc.id,
        monitoring: true,
        sshKeys: [...args.sshKeys],
        tags: digitalOceanTags(args.stack, 'nat'),
        userData: renderNatGatewayUserData({ privateCidrs: [args.vpcCidr] }),
      },
      { parent: this, ...hostLifecycleOptions('kept') },
    );
    this.gatewayAddress = this.gateway.ipv4AddressPrivate;
    this.registerOutputs({ vpcId: this.vpc.id, projectId: this.project.id, gatewayAddress: this.gatewayAddress });
  }
}
