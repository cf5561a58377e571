import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { resourceName } from '../naming.ts';

/** Arguments of the container registry. */
export interface RegistryArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** DigitalOcean region slug of the registry. */
  readonly region: string;
  /** Subscription tier; one repository per Linux platform needs `professional` beyond five. */
  readonly tier: string;
}

/** DigitalOcean Container Registry for the worker images, and read-only pull credentials for builders. */
export class Registry extends pulumi.ComponentResource {
  readonly registry: digitalocean.ContainerRegistry;
  /** Registry host, e.g. registry.digitalocean.com. */
  readonly server: pulumi.Output<string>;
  /** Image repository prefix, e.g. registry.digitalocean.com/rfarm-prod-registry. */
  readonly endpoint: pulumi.Output<string>;
  /** Docker config.json with read-only credentials (secret). */
  readonly pullConfigJson: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:Registry', name, {}, opts);
    this.registry = new digitalocean.ContainerRegistry(
      `${name}-registry`,
      { name: resourceName(args.stack, 'registry'), subscriptionTierSlug: args.tier, region: args.region },
      { parent: this },
    );
    const pull = new digitalocean.ContainerRegistryDockerCredentials(`${name}-pull`, { registryName: this.registry.name, write: false }, { parent: this });
    this.server = this.registry.serverUrl;
    this.endpoint = this.registry.endpoint;
    this.pullConfigJson = pulumi.secret(pull.dockerCredentials);
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
