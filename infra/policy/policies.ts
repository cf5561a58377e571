/**
 * Security policies as functions over the resources the program declares (type, name, inputs,
 * as the offline run records them). Each returns its violations; an empty list means it holds.
 * The tests run them against both stacks and against deliberately bad resources.
 */
import type { DeclaredResource } from '../preview/offline-mocks.ts';
import { SECRET_KEYS } from '../stack-config.ts';

/** One broken rule. */
export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

const WORLD = ['0.0.0.0/0', '::/0'];
const T = {
  droplet: 'digitalocean:index/droplet:Droplet',
  firewall: 'digitalocean:index/firewall:Firewall',
  loadBalancer: 'digitalocean:index/loadBalancer:LoadBalancer',
  doVolume: 'digitalocean:index/volume:Volume',
  securityGroup: 'aws:ec2/securityGroup:SecurityGroup',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  instance: 'aws:ec2/instance:Instance',
  ebsVolume: 'aws:ebs/volume:Volume',
  group: 'aws:autoscaling/group:Group',
  vm: 'vsphere:index/virtualMachine:VirtualMachine',
} as const;

const violation = (policy: string, resource: DeclaredResource, message: string): Violation => ({
  policy,
  resource: `${resource.type}::${resource.name}`,
  message,
});
const ofType = (resources: readonly DeclaredResource[], type: string) => resources.filter((resource) => resource.type === type);

function portsOf(range: string | undefined): [number, number] {
  if (!range || range === 'all' || range === '0') return [1, 65535];
  const [from, to] = range.split('-').map(Number);
  return [from, to ?? from];
}
const covers = (range: string | undefined, port: number) => {
  const [from, to] = portsOf(range);
  return from <= port && port <= to;
};

/** No ingress from the whole internet, except HTTPS (443) on the load balancer. */
export function noWorldIngress(resources: readonly DeclaredResource[]): Violation[] {
  const found: Violation[] = [];
  for (const firewall of ofType(resources, T.firewall)) {
    for (const rule of firewall.inputs.inboundRules ?? []) {
      if ((rule.sourceAddresses ?? []).some((source: string) => WORLD.includes(source)))
        found.push(violation('no-world-ingress', firewall, `port ${rule.portRange} is open to the world`));
    }
  }
  for (const group of ofType(resources, T.securityGroup)) {
    for (const rule of group.inputs.ingress ?? []) {
      if ([...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])].some((source: string) => WORLD.includes(source)))
        found.push(violation('no-world-ingress', group, `ports ${rule.fromPort}-${rule.toPort} are open to the world`));
    }
  }
  for (const balancer of ofType(resources, T.loadBalancer)) {
    for (const rule of balancer.inputs.forwardingRules ?? []) {
      if (rule.entryPort !== 443 || rule.entryProtocol !== 'https')
        found.push(
          violation('no-world-ingress', balancer, `load balancer listens on ${rule.entryProtocol}/${rule.entryPort}; only https/443 may face the world`),
        );
    }
  }
  return found;
}

/** SSH (22) is reachable only from the configured admin CIDRs, and from nowhere when none is set. */
export function sshOnlyFromAdmins(resources: readonly DeclaredResource[], adminCidrs: readonly string[]): Violation[] {
  const found: Violation[] = [];
  const check = (resource: DeclaredResource, sources: readonly string[], where: string) => {
    const outsiders = sources.filter((source) => !adminCidrs.includes(source));
    if (adminCidrs.length === 0) found.push(violation('ssh-only-from-admins', resource, `${where} opens SSH but no admin CIDR is configured`));
    else if (outsiders.length > 0)
      found.push(violation('ssh-only-from-admins', resource, `${where} opens SSH to ${outsiders.join(', ')}, outside rfarm:adminCidrs`));
  };
  for (const firewall of ofType(resources, T.firewall)) {
    for (const rule of firewall.inputs.inboundRules ?? []) {
      if (rule.protocol === 'tcp' && covers(rule.portRange, 22))
        check(firewall, [...(rule.sourceAddresses ?? []), ...(rule.sourceTags ?? []), ...(rule.sourceLoadBalancerUids ?? [])], `rule ${rule.portRange}`);
    }
  }
  for (const group of ofType(resources, T.securityGroup)) {
    for (const rule of group.inputs.ingress ?? []) {
      const all = rule.protocol === '-1' || rule.protocol === 'all';
      // SSH is TCP: a UDP or ICMP range that spans 22 opens no SSH.
      const tcp = rule.protocol === 'tcp' || rule.protocol === '6';
      if (all || (tcp && rule.fromPort <= 22 && 22 <= rule.toPort))
        check(group, [...(rule.cidrBlocks ?? []), ...(rule.securityGroups ?? [])], `ingress ${rule.fromPort}-${rule.toPort}`);
    }
  }
  return found;
}

/** Every EC2 host requires IMDSv2 session tokens. */
export function imdsV2Required(resources: readonly DeclaredResource[]): Violation[] {
  return [...ofType(resources, T.launchTemplate), ...ofType(resources, T.instance)]
    .filter((resource) => resource.inputs.metadataOptions?.httpTokens !== 'required')
    .map((resource) => violation('imds-v2-required', resource, 'metadataOptions.httpTokens must be "required"'));
}

const encrypted = (value: unknown) => value === true || value === 'true';

/**
 * Every volume is encrypted: EBS through the template, instance or volume flag; DigitalOcean
 * block volumes are always encrypted at rest by the platform. vSphere disks live on the site's
 * datastores, whose encryption is the site's (see README.md, "Deploy to the cloud").
 */
export function volumesEncrypted(resources: readonly DeclaredResource[]): Violation[] {
  const found: Violation[] = [];
  for (const template of ofType(resources, T.launchTemplate)) {
    for (const mapping of template.inputs.blockDeviceMappings ?? [])
      if (mapping.ebs && !encrypted(mapping.ebs.encrypted)) found.push(violation('volumes-encrypted', template, `${mapping.deviceName} is not encrypted`));
  }
  for (const instance of ofType(resources, T.instance)) {
    if (!encrypted(instance.inputs.rootBlockDevice?.encrypted)) found.push(violation('volumes-encrypted', instance, 'root volume is not encrypted'));
    for (const device of instance.inputs.ebsBlockDevices ?? [])
      if (!encrypted(device.encrypted)) found.push(violation('volumes-encrypted', instance, `${device.deviceName} is not encrypted`));
  }
  for (const volume of ofType(resources, T.ebsVolume))
    if (!encrypted(volume.inputs.encrypted)) found.push(violation('volumes-encrypted', volume, 'EBS volume is not encrypted'));
  return found;
}

const isBuilder = (resource: DeclaredResource) =>
  (resource.inputs.tags ?? []).includes?.('role:builder') || resource.inputs.tags?.Role === 'builder' || resource.inputs.tags?.Role === 'solaris-host';

/** Builders have no public address. */
export function noPublicIpOnBuilders(resources: readonly DeclaredResource[]): Violation[] {
  const found: Violation[] = [];
  for (const droplet of ofType(resources, T.droplet).filter(isBuilder))
    if (droplet.inputs.publicNetworking !== false) found.push(violation('no-public-ip-on-builders', droplet, 'builder droplet has public networking'));
  for (const template of ofType(resources, T.launchTemplate).filter(isBuilder)) {
    const interfaces = template.inputs.networkInterfaces ?? [];
    if (interfaces.length === 0 || interfaces.some((nic: any) => nic.associatePublicIpAddress !== 'false' && nic.associatePublicIpAddress !== false))
      found.push(violation('no-public-ip-on-builders', template, 'launch template may associate a public address'));
  }
  for (const instance of ofType(resources, T.instance).filter(isBuilder))
    if (instance.inputs.associatePublicIpAddress !== false)
      found.push(violation('no-public-ip-on-builders', instance, 'builder instance may get a public address'));
  return found;
}

/** How each resource type carries its stack and role labels; types absent here fail the policy. */
const LABELS: Record<string, ((inputs: Record<string, any>) => { stack?: string; role?: string }) | 'untaggable'> = {
  'digitalocean:index/droplet:Droplet': (inputs) => doTags(inputs.tags),
  'digitalocean:index/volume:Volume': (inputs) => doTags(inputs.tags),
  'aws:autoscaling/group:Group': (inputs) => Object.fromEntries((inputs.tags ?? []).map((tag: any) => [tag.key.toLowerCase(), tag.value])),
  'vsphere:index/virtualMachine:VirtualMachine': (inputs) => ({
    stack: /stack=(\S+)/.exec(inputs.annotation ?? '')?.[1],
    role: /role=(\S+)/.exec(inputs.annotation ?? '')?.[1],
  }),
  // DigitalOcean offers no labels on these; they are grouped by name and the stack's project instead.
  'digitalocean:index/vpc:Vpc': 'untaggable',
  'digitalocean:index/project:Project': 'untaggable',
  'digitalocean:index/vpcNatGateway:VpcNatGateway': 'untaggable',
  'digitalocean:index/firewall:Firewall': 'untaggable',
  'digitalocean:index/loadBalancer:LoadBalancer': 'untaggable',
  'digitalocean:index/certificate:Certificate': 'untaggable',
  'digitalocean:index/dnsRecord:DnsRecord': 'untaggable',
  'digitalocean:index/spacesBucket:SpacesBucket': 'untaggable',
  'digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy': 'untaggable',
  'digitalocean:index/spacesKey:SpacesKey': 'untaggable',
  'digitalocean:index/containerRegistry:ContainerRegistry': 'untaggable',
  'digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials': 'untaggable',
  'docker:index/image:Image': 'untaggable',
  // vSphere tags need a tag category the site owns; the folder's path names the stack (rfarm/<stack>).
  'vsphere:index/folder:Folder': 'untaggable',
  'aws:ec2/routeTableAssociation:RouteTableAssociation': 'untaggable',
  'aws:iam/rolePolicy:RolePolicy': 'untaggable',
  // The scaler's IAM user is tagged; its inline policy and access key take no tags.
  'aws:iam/userPolicy:UserPolicy': 'untaggable',
  'aws:iam/accessKey:AccessKey': 'untaggable',
  // A command run over SSH on a registered site Mac: nothing in a cloud to label.
  'command:remote:Command': 'untaggable',
};

function doTags(tags: string[] | undefined): { stack?: string; role?: string } {
  const value = (prefix: string) => (tags ?? []).find((tag) => tag.startsWith(prefix))?.slice(prefix.length);
  return { stack: value('stack:'), role: value('role:') };
}

/** Every resource that can carry labels carries its stack and role; AWS resources use `tags` maps. */
export function taggedWithStackAndRole(resources: readonly DeclaredResource[], stack: string): Violation[] {
  const found: Violation[] = [];
  for (const resource of resources.filter((candidate) => !candidate.type.startsWith('rfarm:'))) {
    let reader = LABELS[resource.type];
    if (!reader && resource.type.startsWith('aws:')) reader = (inputs) => ({ stack: inputs.tags?.Stack, role: inputs.tags?.Role });
    if (!reader)
      found.push(violation('tagged-with-stack-and-role', resource, 'type unknown to the tagging policy; add it to LABELS in infra/policy/policies.ts'));
    else if (reader !== 'untaggable') {
      const labels = reader(resource.inputs);
      if (labels.stack !== stack || !labels.role)
        found.push(
          violation(
            'tagged-with-stack-and-role',
            resource,
            `labels stack=${labels.stack ?? '∅'} role=${labels.role ?? '∅'}; expected stack=${stack} and a role`,
          ),
        );
    }
  }
  return found;
}

const SECRET_LOOKING = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /-----BEGIN USER NKEY SEED-----/,
  /\bS[UAO][A-Z2-7]{50,}\b/,
  /\bdop_v1_[a-f0-9]{20,}/,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
];

/** No secret in plain stack config: secret keys only as `secure:` values, and nothing secret-looking anywhere. */
export function noPlainSecrets(stackConfig: Readonly<Record<string, unknown>>): Violation[] {
  const found: Violation[] = [];
  const resource: DeclaredResource = { type: 'pulumi:config', name: 'stack', inputs: {}, secretInputs: [] };
  for (const [key, value] of Object.entries(stackConfig)) {
    const isSecure = value !== null && typeof value === 'object' && 'secure' in (value as object);
    const bare = key.replace(/^rfarm:/, '');
    if (isSecure) continue;
    if (key.startsWith('rfarm:') && (SECRET_KEYS as readonly string[]).includes(bare))
      found.push(violation('no-plain-secrets', { ...resource, name: key }, `${key} is plain; set it with \`pulumi config set --secret ${key}\``));
    else if (/(password|token|secret)$/i.test(key))
      found.push(violation('no-plain-secrets', { ...resource, name: key }, `${key} looks like a secret but is plain`));
    else if (SECRET_LOOKING.some((pattern) => pattern.test(JSON.stringify(value))))
      found.push(violation('no-plain-secrets', { ...resource, name: key }, `${key} holds a value that looks like a key or token`));
  }
  return found;
}
