import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { hostLifecycleOptions } from '../host-lifecycle.ts';
import { digitalOceanTags, farmHostNames, hostName, relativeName, resourceName } from '../naming.ts';
import { renderNatsServerConfig } from '../nats/server-config.ts';
import type { FarmTls, NatsAuth } from '../stack-config.ts';
import { renderNatsNodeUserData } from '../user-data/services.ts';

/** Arguments of the NATS cluster. */
export interface NatsClusterArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** DigitalOcean region slug, e.g. fra1. */
  readonly region: string;
  /** The farm's public DNS name, e.g. farm.example.org. */
  readonly domain: string;
  /** DigitalOcean-managed DNS zone the records go in. */
  readonly dnsZone: string;
  /** Cluster size: 1, or an odd number for a JetStream quorum. */
  readonly nodes: number;
  /** Droplet size slug of the nodes. */
  readonly dropletSize: string;
  /** Base image slug of the droplets, e.g. debian-12-x64. */
  readonly dropletImage: string;
  /** Block volume per node for the JetStream store, GB (90 % of it is JetStream's limit). */
  readonly volumeGb: number;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** SSH key fingerprints or ids put on every droplet (login still needs an admin CIDR). */
  readonly sshKeys: readonly string[];
  /** Operator JWT, system account and account JWTs every server preloads; secret. */
  readonly auth: pulumi.Input<NatsAuth>;
  /** The farm CA and the `*.domain` certificate and key; secret. */
  readonly tls: pulumi.Input<FarmTls>;
  /** Loki push URL inside the VPC. */
  readonly lokiUrl: string;
}

/**
 * The NATS cluster: one droplet per node with a block volume for JetStream, a public address
 * (agents in AWS and on the vSphere site connect over TLS; the firewall admits only their egress
 * ranges) and two DNS names, public and in-VPC.
 */
export class NatsCluster extends pulumi.ComponentResource {
  readonly droplets: digitalocean.Droplet[];
  readonly volumes: digitalocean.Volume[];
  /** Client URLs for agents outside the VPC. */
  readonly publicUrls: string[];
  /** Client URLs for clients inside the VPC. */
  readonly vpcUrls: string[];
  readonly privateAddresses: pulumi.Output<string[]>;

  constructor(name: string, args: NatsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:NatsCluster', name, {}, opts);
    const names = farmHostNames(args.domain);
    const indexes = Array.from({ length: args.nodes }, (_, index) => index + 1);
    const routes = indexes.map((index) => `tls://${names.natsInVpc(index)}:6222`);
    this.volumes = indexes.map(
      (index) =>
        new digitalocean.Volume(
          `${name}-volume-${index}`,
          {
            name: resourceName(args.stack, 'nats', `data-${index}`),
            region: args.region,
            size: args.volumeGb,
            initialFilesystemType: 'ext4',
            tags: digitalOceanTags(args.stack, 'nats'),
          },
          { parent: this, protect: args.stack === 'prod' },
        ),
    );
    this.droplets = indexes.map((index) => {
      const volumeName = resourceName(args.stack, 'nats', `data-${index}`);
      const userData = pulumi.all([args.auth, args.tls]).apply(([auth, tls]) =>
        renderNatsNodeUserData(
          { stack: args.stack, role: 'nats', lokiUrl: args.lokiUrl, tls },
          renderNatsServerConfig(
            {
              serverName: hostName(args.stack, 'nats', index),
              clusterName: resourceName(args.stack, 'nats'),
              routes,
              jetstreamMaxGb: Math.floor(args.volumeGb * 0.9),
            },
            auth,
          ),
          volumeName,
        ),
      );
      return new digitalocean.Droplet(
        `${name}-${index}`,
        {
          name: hostName(args.stack, 'nats', index),
          region: args.region,
          size: args.dropletSize,
          image: args.dropletImage,
          vpcUuid: args.vpcId,
          monitoring: true,
          sshKeys: [...args.sshKeys],
          volumeIds: [this.volumes[index - 1].id],
          tags: digitalOceanTags(args.stack, 'nats'),
          userData: pulumi.secret(userData),
        },
        { parent: this, ...hostLifecycleOptions('kept') },
      );
    });
    this.droplets.forEach((droplet, position) => {
      const index = position + 1;
      new digitalocean.DnsRecord(
        `${name}-dns-${index}`,
        { domain: args.dnsZone, type: 'A', name: relativeName(names.nats(index), args.dnsZone), value: droplet.ipv4Address, ttl: 300 },
        { parent: this },
      );
      new digitalocean.DnsRecord(
        `${name}-vpc-dns-${index}`,
        { domain: args.dnsZone, type: 'A', name: relativeName(names.natsInVpc(index), args.dnsZone), value: droplet.ipv4AddressPrivate, ttl: 300 },
        { parent: this },
      );
    });
    this.publicUrls = indexes.map((index) => `tls://${names.nats(index)}:4222`);
    this.vpcUrls = indexes.map((index) => `tls://${names.natsInVpc(index)}:4222`);
    this.privateAddresses = pulumi.all(this.droplets.map((droplet) => droplet.ipv4AddressPrivate));
    this.registerOutputs({ publicUrls: this.publicUrls, vpcUrls: this.vpcUrls });
  }
}
