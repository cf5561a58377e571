/**
 * Names and tags of everything the farm declares: one place decides how a resource is called
 * and how it is labelled with its stack and role, so policies can check the labels.
 */

/** What a resource does in the farm; every resource is tagged with one. */
export type Role =
  'network' | 'nat' | 'builder' | 'control-plane' | 'sysreqs' | 'nats' | 'monitoring' | 'logs' | 'backups' | 'scaler' | 'registry' | 'solaris-host';

/** Cloud-side name of a resource: `rfarm-<stack>-<role>[-<suffix>]`, lower-case, hostname-safe. */
export function resourceName(stack: string, role: Role, suffix?: string | number): string {
  const name = ['rfarm', stack, role, suffix].filter((part) => part !== undefined && part !== '').join('-');
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/** Host name of the n-th (1-based) host of a pool or cluster, e.g. `rfarm-prod-nats-2`. */
export function hostName(stack: string, role: Role, index: number, suffix?: string): string {
  return resourceName(stack, role, suffix ? `${suffix}-${index}` : index);
}

/**
 * The DigitalOcean tag firewalls select a role's droplets by; it names the stack so that two
 * stacks in one account never share a firewall.
 */
export function firewallTag(stack: string, role: Role): string {
  return `rfarm-${stack}-${role}`;
}

/** DigitalOcean tags: the farm, `stack:<stack>`, `role:<role>`, the firewall tag and the platform if any. */
export function digitalOceanTags(stack: string, role: Role, platformId?: string): string[] {
  const tags = ['rfarm', `stack:${stack}`, `role:${role}`, firewallTag(stack, role)];
  return platformId ? [...tags, `platform:${platformId}`] : tags;
}

/**
 * The DigitalOcean tag saying how many agents a builder droplet runs (`agents:2`): Prometheus
 * scrapes one metrics port per agent, found by this tag (monitoring/prometheus-config.ts).
 */
export function agentsTag(count: number): string {
  return `agents:${count}`;
}

/** AWS tags: `Project`, `Stack`, `Role`, `Name`, and `Platform` on builders. */
export function awsTags(stack: string, role: Role, name: string, platformId?: string): Record<string, string> {
  return { Project: 'rfarm', Stack: stack, Role: role, Name: name, ...(platformId ? { Platform: platformId } : {}) };
}

/** vSphere has no free-form tags without a tag category; the VM annotation carries the same labels. */
export function vsphereAnnotation(stack: string, role: Role, platformId: string): string {
  return `rfarm stack=${stack} role=${role} platform=${platformId}`;
}

/**
 * DNS names under the farm's domain. `*-vpc` names resolve to private addresses for clients inside
 * the DigitalOcean VPC; the others to public addresses for agents in other clouds. One `*.domain`
 * certificate from the farm CA covers them all.
 */
export function farmHostNames(domain: string): {
  controlPlane: string;
  sysreqs: string;
  grafana: string;
  metrics: string;
  logs: string;
  logsInVpc: string;
  nats: (index: number) => string;
  natsInVpc: (index: number) => string;
} {
  return {
    controlPlane: domain,
    sysreqs: `sysreqs.${domain}`,
    grafana: `grafana.${domain}`,
    metrics: `metrics.${domain}`,
    logs: `logs.${domain}`,
    logsInVpc: `logs-vpc.${domain}`,
    nats: (index) => `nats-${index}.${domain}`,
    natsInVpc: (index) => `nats-${index}-vpc.${domain}`,
  };
}

/** A DNS record name relative to its zone ("@" for the apex). */
export function relativeName(host: string, zone: string): string {
  if (host === zone) return '@';
  if (!host.endsWith(`.${zone}`)) throw new Error(`host '${host}' is not inside DNS zone '${zone}'; set rfarm:domain under rfarm:dnsZone`);
  return host.slice(0, -(zone.length + 1));
}
