/**
 * Firewall rules per role, as data. Only the load balancer faces the internet (443); NATS,
 * metrics and logs accept the VPC plus the named egress ranges of the other clouds; SSH is
 * open only to configured admin CIDRs, and to nobody when none is set.
 */
import { firewallTag, type Role } from '../naming.ts';

/** Ports of the farm's services. */
export const PORTS = {
  ssh: 22,
  https: 443,
  controlPlane: 8080,
  sysreqs: 8081,
  agentMetrics: 9464,
  /** The last agent metrics port: a builder runs at most 8 agents (infra/sizing.ts AGENT_SHARING.maxAgents), on 9464… */
  agentMetricsLast: 9471,
  nodeExporter: 9100,
  natsClient: 4222,
  natsCluster: 6222,
  natsMonitor: 8222,
  natsExporter: 7777,
  prometheus: 9090,
  grafana: 3000,
  loki: 3100,
} as const;

/** One inbound rule, shaped like `digitalocean.types.input.FirewallInboundRule`. */
export interface InboundRule {
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly portRange: string;
  readonly sourceAddresses?: readonly string[];
  readonly sourceTags?: readonly string[];
  readonly sourceLoadBalancerUids?: readonly string[];
}

/** One outbound rule, shaped like `digitalocean.types.input.FirewallOutboundRule`. */
export interface OutboundRule {
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly portRange?: string;
  readonly destinationAddresses: readonly string[];
}

/** What the rules depend on. */
export interface FirewallContext {
  readonly stack: string;
  readonly vpcCidr: string;
  /** SSH and Grafana sources; empty closes both. */
  readonly adminCidrs: readonly string[];
  /** Public egress addresses of agents outside the VPC (AWS NAT gateways, the vSphere site). */
  readonly remoteAgentCidrs: readonly string[];
  /** Load balancers allowed to reach the control plane and sysreqs. */
  readonly loadBalancerUids: readonly string[];
}

/** Roles that own droplets and therefore a firewall. */
export const FIREWALLED_ROLES = ['builder', 'control-plane', 'nats', 'monitoring', 'logs', 'nat'] as const satisfies readonly Role[];

/** The inbound rules of one role. */
export function inboundRules(role: (typeof FIREWALLED_ROLES)[number], context: FirewallContext): InboundRule[] {
  const monitoring = [firewallTag(context.stack, 'monitoring')];
  const fromMonitoring = (port: number): InboundRule => ({ protocol: 'tcp', portRange: String(port), sourceTags: monitoring });
  const fromFarm = (port: number): InboundRule => ({
    protocol: 'tcp',
    portRange: String(port),
    sourceAddresses: [context.vpcCidr, ...context.remoteAgentCidrs],
  });
  const ssh: InboundRule[] = context.adminCidrs.length > 0 ? [{ protocol: 'tcp', portRange: String(PORTS.ssh), sourceAddresses: [...context.adminCidrs] }] : [];
  const common = [...ssh, fromMonitoring(PORTS.nodeExporter)];
  switch (role) {
    case 'builder':
      // One metrics port per agent on the droplet (infra/user-data/agent-environment.ts agentMetricsPort).
      return [...common, { protocol: 'tcp', portRange: `${PORTS.agentMetrics}-${PORTS.agentMetricsLast}`, sourceTags: monitoring }];
    case 'control-plane':
      return [
        ...common,
        { protocol: 'tcp', portRange: String(PORTS.controlPlane), sourceLoadBalancerUids: [...context.loadBalancerUids] },
        { protocol: 'tcp', portRange: String(PORTS.sysreqs), sourceLoadBalancerUids: [...context.loadBalancerUids] },
        fromMonitoring(PORTS.controlPlane),
        fromMonitoring(PORTS.sysreqs),
      ];
    case 'nats':
      return [
        ...common,
        fromFarm(PORTS.natsClient),
        { protocol: 'tcp', portRange: String(PORTS.natsCluster), sourceTags: [firewallTag(context.stack, 'nats')] },
        fromMonitoring(PORTS.natsExporter),
      ];
    case 'monitoring':
      return [
        ...common,
        fromFarm(PORTS.prometheus),
        ...(context.adminCidrs.length > 0 ? [{ protocol: 'tcp' as const, portRange: String(PORTS.https), sourceAddresses: [...context.adminCidrs] }] : []),
      ];
    case 'logs':
      return [...common, fromFarm(PORTS.loki)];
    case 'nat':
      // The VPC gateway droplet: what the private droplets send out arrives addressed to the
      // internet, so its ports are open — to the VPC only, never the world, and never 22 (SSH to
      // the gateway stays with the admin CIDRs; nothing in the farm leaves by SSH).
      return [
        ...common,
        { protocol: 'tcp', portRange: '1-21', sourceAddresses: [context.vpcCidr] },
        { protocol: 'tcp', portRange: '23-65535', sourceAddresses: [context.vpcCidr] },
        { protocol: 'udp', portRange: '1-65535', sourceAddresses: [context.vpcCidr] },
      ];
  }
}

/** Every role may open connections out (packages, CRAN, registries, the other clouds). */
export function outboundRules(): OutboundRule[] {
  const anywhere = ['0.0.0.0/0', '::/0'];
  return [
    { protocol: 'tcp', portRange: '1-65535', destinationAddresses: anywhere },
    { protocol: 'udp', portRange: '1-65535', destinationAddresses: anywhere },
    { protocol: 'icmp', destinationAddresses: anywhere },
  ];
}
