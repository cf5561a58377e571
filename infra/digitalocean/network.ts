import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming.ts';

/** Arguments of the farm's DigitalOcean network. */
export interface NetworkArgs {
  /** Stack name, for names. */
  readonly stack: string;
  /** Region slug, e.g. "fra1". */
  readonly region: string;
  /** Private range of the VPC. */
  readonly vpcCidr: string;
}

/**
 * The VPC every droplet lives in, the project that groups the farm's resources in the console,
 * and the VPC NAT gateway that gives droplets without a public address their way out.
 */
export class Network extends pulumi.ComponentResource {
  /** The VPC. */
  readonly vpc: digitalocean.Vpc;
  /** The DigitalOcean project of the stack. */
  readonly project: digitalocean.Project;
  /** Egress for droplets with public networking disabled (builders, control plane). */
  readonly natGateway: digitalocean.VpcNatGateway;

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
    this.natGateway = new digitalocean.VpcNatGateway(
      `${name}-nat`,
      {
        name: resourceName(args.stack, 'network', 'nat'),
        type: 'PUBLIC',
        region: args.region,
        size: 1,
        projectId: this.project.id,
        vpcs: [{ vpcUuid: this.vpc.id, defaultGateway: true }],
      },
      { parent: this },
    );
    this.registerOutputs({ vpcId: this.vpc.id, projectId: this.project.id });
  }
}
