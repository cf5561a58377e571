import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { hostLifecycleOptions } from '../host-lifecycle.ts';
import { digitalOceanTags, farmHostNames, firewallTag, hostName, relativeName, resourceName } from '../naming.ts';
import type { FarmTls } from '../stack-config.ts';
import { renderControlPlaneUserData } from '../user-data/services.ts';
import { PORTS } from './firewall-rules.ts';

/** Arguments of the control plane. */
export interface ControlPlaneArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** DigitalOcean region slug, e.g. fra1. */
  readonly region: string;
  /** The farm's public DNS name, e.g. farm.example.org. */
  readonly domain: string;
  /** DigitalOcean-managed DNS zone the records go in. */
  readonly dnsZone: string;
  /** Control-plane droplets behind the load balancers. */
  readonly instances: number;
  /** Droplet size slug of the control-plane droplets. */
  readonly dropletSize: string;
  /** Base image slug of the droplets, e.g. debian-12-x64. */
  readonly dropletImage: string;
  /** Size units of each load balancer. */
  readonly loadBalancerUnits: number;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** DigitalOcean project the load balancers are filed in. */
  readonly projectId: pulumi.Input<string>;
  /** SSH key fingerprints or ids put on every droplet (login still needs an admin CIDR). */
  readonly sshKeys: readonly string[];
  /** Git repository the droplets check out into /opt/rfarm and run. */
  readonly sourceRepo: string;
  /** Branch, tag or commit of that checkout. */
  readonly sourceRef: string;
  /** Environment of control-plane/main.ts; holds secrets. */
  readonly environment: pulumi.Input<Record<string, string>>;
  /** The control plane's NATS credentials (a `.creds` file); secret. */
  readonly natsCreds: pulumi.Input<string>;
  /** The farm CA and the `*.domain` certificate and key; secret. */
  readonly tls: pulumi.Input<FarmTls>;
  /** Loki push URL inside the VPC. */
  readonly lokiUrl: string;
  /** The scaler's environment and NATS credentials (secrets); run on the first droplet only, so two scalers never race. */
  readonly scaler?: pulumi.Input<{ env: Record<string, string>; natsCreds: string } | undefined>;
  /** The backup service's environment and NATS credentials (secrets); first droplet only, like the scaler. */
  readonly backup?: pulumi.Input<{ env: Record<string, string>; natsCreds: string } | undefined>;
  /** VPC address of the gateway droplet: the droplets have no public address, their default route goes through it. */
  readonly egressGateway: pulumi.Input<string>;
}

/**
 * Control-plane droplets (control plane and sysreqs, no public address) behind two HTTPS load
 * balancers, one per public name, sharing a Let's Encrypt certificate. 443 is the farm's only
 * world-reachable port.
 */
export class ControlPlane extends pulumi.ComponentResource {
  readonly droplets: digitalocean.Droplet[];
  readonly loadBalancer: digitalocean.LoadBalancer;
  readonly sysreqsLoadBalancer: digitalocean.LoadBalancer;
  readonly privateAddresses: pulumi.Output<string[]>;
  /** https://<domain> */
  readonly url: string;
  /** https://sysreqs.<domain> */
  readonly sysreqsUrl: string;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:ControlPlane', name, {}, opts);
    const names = farmHostNames(args.domain);
    const userDataOf = (withScaler: boolean) =>
      pulumi
        .all([args.environment, args.natsCreds, args.tls, withScaler ? args.scaler : undefined, withScaler ? args.backup : undefined, args.egressGateway])
        .apply(([environment, natsCreds, tls, scaler, backup, egressGateway]) =>
          renderControlPlaneUserData({
            stack: args.stack,
            role: 'control-plane',
            lokiUrl: args.lokiUrl,
            tls,
            sourceRepo: args.sourceRepo,
            sourceRef: args.sourceRef,
            controlPlaneEnv: environment,
            natsCreds,
            scaler,
            backup,
            egressGateway,
          }),
        );
    this.droplets = Array.from(
      { length: args.instances },
      (_, index) =>
        new digitalocean.Droplet(
          `${name}-${index + 1}`,
          {
            name: hostName(args.stack, 'control-plane', index + 1),
            region: args.region,
            size: args.dropletSize,
            image: args.dropletImage,
            vpcUuid: args.vpcId,
            publicNetworking: false,
            monitoring: true,
            sshKeys: [...args.sshKeys],
            tags: digitalOceanTags(args.stack, 'control-plane'),
            userData: pulumi.secret(userDataOf(index === 0)),
          },
          { parent: this, ...hostLifecycleOptions('replaceable') },
        ),
    );
    const certificate = new digitalocean.Certificate(
      `${name}-certificate`,
      { name: resourceName(args.stack, 'control-plane', 'tls'), type: 'lets_encrypt', domains: [names.controlPlane, names.sysreqs] },
      { parent: this },
    );
    const balancer = (role: 'control-plane' | 'sysreqs', port: number) =>
      new digitalocean.LoadBalancer(
        `${name}-${role === 'control-plane' ? 'lb' : 'sysreqs-lb'}`,
        {
          name: resourceName(args.stack, role, 'lb'),
          region: args.region,
          vpcUuid: args.vpcId,
          projectId: args.projectId,
          sizeUnit: args.loadBalancerUnits,
          dropletTag: firewallTag(args.stack, 'control-plane'),
          forwardingRules: [{ entryPort: PORTS.https, entryProtocol: 'https', targetPort: port, targetProtocol: 'http', certificateName: certificate.name }],
          healthcheck: { port, protocol: 'http', path: '/healthz', checkIntervalSeconds: 10 },
          redirectHttpToHttps: false,
        },
        { parent: this, dependsOn: this.droplets },
      );
    this.loadBalancer = balancer('control-plane', PORTS.controlPlane);
    this.sysreqsLoadBalancer = balancer('sysreqs', PORTS.sysreqs);
    const record = (suffix: string, host: string, balancerIp: pulumi.Output<string>) =>
      new digitalocean.DnsRecord(
        `${name}-${suffix}`,
        { domain: args.dnsZone, type: 'A', name: relativeName(host, args.dnsZone), value: balancerIp, ttl: 300 },
        { parent: this },
      );
    record('dns', names.controlPlane, this.loadBalancer.ip);
    record('sysreqs-dns', names.sysreqs, this.sysreqsLoadBalancer.ip);
    this.privateAddresses = pulumi.all(this.droplets.map((droplet) => droplet.ipv4AddressPrivate));
    this.url = `https://${names.controlPlane}`;
    this.sysreqsUrl = `https://${names.sysreqs}`;
    this.registerOutputs({ url: this.url, sysreqsUrl: this.sysreqsUrl });
  }
}
