import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { firewallTag, resourceName } from '../naming.ts';
import { FIREWALLED_ROLES, inboundRules, outboundRules, type FirewallContext } from './firewall-rules.ts';

/** Arguments of the farm's firewalls. */
export interface FirewallsArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** Private range of the VPC: what NATS, metrics and logs accept besides the named egress ranges. */
  readonly vpcCidr: string;
  /** SSH (and Grafana) sources; empty closes both. */
  readonly adminCidrs: readonly string[];
  /** Public egress addresses of agents outside the VPC. */
  readonly remoteAgentCidrs: pulumi.Input<string[]>;
  /** Load balancers in front of the control plane. */
  readonly loadBalancerUids: pulumi.Input<string[]>;
}

/** One cloud firewall per role, attached by the role's firewall tag (rules in firewall-rules.ts). */
export class Firewalls extends pulumi.ComponentResource {
  /** Firewall per role. */
  readonly byRole: Record<string, digitalocean.Firewall>;

  constructor(name: string, args: FirewallsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:Firewalls', name, {}, opts);
    const context = pulumi.all([args.remoteAgentCidrs, args.loadBalancerUids]).apply(([remoteAgentCidrs, loadBalancerUids]): FirewallContext => ({
      stack: args.stack,
      vpcCidr: args.vpcCidr,
      adminCidrs: args.adminCidrs,
      remoteAgentCidrs,
      loadBalancerUids,
    }));
    this.byRole = Object.fromEntries(
      FIREWALLED_ROLES.map((role) => [
        role,
        new digitalocean.Firewall(
          `${name}-${role}`,
          {
            name: resourceName(args.stack, role),
            tags: [firewallTag(args.stack, role)],
            inboundRules: context.apply((resolved) =>
              inboundRules(role, resolved).map((rule) => ({
                ...rule,
                sourceAddresses: rule.sourceAddresses && [...rule.sourceAddresses],
                sourceTags: rule.sourceTags && [...rule.sourceTags],
                sourceLoadBalancerUids: rule.sourceLoadBalancerUids && [...rule.sourceLoadBalancerUids],
              })),
            ),
            outboundRules: outboundRules().map((rule) => ({ ...rule, destinationAddresses: [...rule.destinationAddresses] })),
          },
          { parent: this },
        ),
      ]),
    );
    this.registerOutputs({});
  }
}
