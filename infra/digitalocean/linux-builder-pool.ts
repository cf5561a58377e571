import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../images/index.ts';
import { hostLifecycleOptions } from '../host-lifecycle.ts';
import { agentsTag, digitalOceanTags, hostName } from '../naming.ts';
import type { ScaledDropletTemplate } from '../scaler-environment.ts';
import type { AgentLayout } from '../sizing.ts';
import type { PoolSize } from '../stack-config.ts';
import type { AgentSettings } from '../user-data/agent-environment.ts';
import { renderLinuxBuilderUserData } from '../user-data/linux-builder.ts';

/** Arguments of one Linux platform's builder pool. */
export interface LinuxBuilderPoolArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The catalogue platform every droplet of the pool serves. */
  readonly platform: Platform;
  /** The pool's size; `desired` hosts are declared. */
  readonly size: PoolSize;
  /** Droplet size slug. */
  readonly dropletSize: string;
  /** Base image slug of the droplets (Docker runs the worker image on it). */
  readonly dropletImage: string;
  /** DigitalOcean region slug, e.g. fra1. */
  readonly region: string;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** SSH key fingerprints or ids put on every droplet (login still needs an admin CIDR). */
  readonly sshKeys: readonly string[];
  /** The platform's worker image, `registry/repo:tag`. */
  readonly workerImage: pulumi.Input<string>;
  /** Container registry host the worker image is pulled from. */
  readonly registryServer: pulumi.Input<string>;
  /** Read-only Docker credentials (`config.json`). */
  readonly dockerConfigJson: pulumi.Input<string>;
  /** This pool's own NATS credentials. */
  readonly natsCreds: pulumi.Input<string>;
  /** The farm CA (PEM) the host trusts NATS, Loki and Prometheus with. */
  readonly caPem: pulumi.Input<string>;
  /** Loki push URL inside the VPC. */
  readonly lokiUrl: string;
  /** The agent's settings that do not depend on the host (NATS URLs, sysreqs URL, R repositories). */
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
  /** Agents each droplet runs (sizing.ts `agentLayoutFor`). */
  readonly agents: AgentLayout;
  /** VPC address of the gateway droplet: builders have no public address, their default route goes through it. */
  readonly egressGateway: pulumi.Input<string>;
}

/** The droplets building for one Linux platform: no public address, the agent in the worker container. */
export class LinuxBuilderPool extends pulumi.ComponentResource {
  readonly droplets: digitalocean.Droplet[];
  /** The platform the pool serves. */
  readonly platformId: string;
  /** Private addresses, for Prometheus. */
  readonly privateAddresses: pulumi.Output<string[]>;
  /** What the scaler makes this pool's extra droplets from: the same size, image and cloud-init (a secret). */
  readonly scaledTemplate: pulumi.Output<ScaledDropletTemplate>;

  constructor(name: string, args: LinuxBuilderPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:LinuxBuilderPool', name, { platform: args.platform.id }, opts);
    this.platformId = args.platform.id;
    const userData = pulumi
      .all([args.workerImage, args.registryServer, args.dockerConfigJson, args.natsCreds, args.caPem, args.egressGateway])
      .apply(([image, registryServer, dockerConfigJson, natsCreds, caPem, egressGateway]) =>
        renderLinuxBuilderUserData({
          stack: args.stack,
          platform: args.platform,
          image,
          registryServer,
          dockerConfigJson,
          natsCreds,
          caPem,
          lokiUrl: args.lokiUrl,
          agent: args.agent,
          agents: args.agents,
          egressGateway,
        }),
      );
    // The agents tag tells Prometheus how many metrics ports to scrape; scaled droplets carry it too.
    const tags = [...digitalOceanTags(args.stack, 'builder', args.platform.id), agentsTag(args.agents.count)];
    this.droplets = Array.from(
      { length: args.size.desired },
      (_, index) =>
        new digitalocean.Droplet(
          `${name}-${index + 1}`,
          {
            name: hostName(args.stack, 'builder', index + 1, args.platform.id),
            region: args.region,
            size: args.dropletSize,
            image: args.dropletImage,
            vpcUuid: args.vpcId,
            publicNetworking: false,
            monitoring: true,
            sshKeys: [...args.sshKeys],
            tags,
            userData: pulumi.secret(userData),
          },
          { parent: this, ...hostLifecycleOptions('replaceable') },
        ),
    );
    this.privateAddresses = pulumi.all(this.droplets.map((droplet) => droplet.ipv4AddressPrivate));
    this.scaledTemplate = pulumi.secret(
      pulumi.all([userData, args.vpcId]).apply(([text, vpcUuid]) => ({
        region: args.region,
        size: args.dropletSize,
        image: args.dropletImage,
        userData: text,
        vpcUuid,
        sshKeys: [...args.sshKeys],
        tags,
      })),
    );
    this.registerOutputs({ privateAddresses: this.privateAddresses });
  }
}
