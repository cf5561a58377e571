/**
 * What `pulumi up` does to a host when its configuration changes. A droplet's or instance's user
 * data is read once, at first boot, and DigitalOcean cannot change it on a running droplet (the
 * provider replaces the droplet), so every host is in one of two classes, decided here once:
 *
 * - `replaceable` (builders, control plane): a new configuration arrives as a new host. The
 *   replacement is created before the old one is deleted (the default order), so a pool never drops
 *   to zero and the load balancer (which selects droplets by tag) always has a member; a build the
 *   deleted host had not finished is redelivered by JetStream, since its message was never acked.
 *   `replaceOnChanges` states what the provider would do anyway, so the plan says it.
 * - `kept` (NATS nodes, monitoring, log server: hosts with a block volume): a change of user data
 *   alone does not touch them (`ignoreChanges`); a new configuration reaches one only when an
 *   operator replaces it on purpose, one host at a time (`pulumi up --replace <urn>`, README.md
 *   "Day two"). The old droplet is deleted first, because its volume attaches to one droplet only.
 */
import type * as pulumi from '@pulumi/pulumi';

/** How a host takes a configuration change. */
export type HostLifecycle = 'replaceable' | 'kept';

/** The resource options of a host of that class. */
export function hostLifecycleOptions(lifecycle: HostLifecycle): pulumi.CustomResourceOptions {
  return lifecycle === 'replaceable' ? { replaceOnChanges: ['userData'] } : { ignoreChanges: ['userData'], deleteBeforeReplace: true };
}
