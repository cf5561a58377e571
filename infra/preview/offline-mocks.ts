/**
 * Mocks of the cloud providers for running the program without them (`pulumi.runtime.setMocks`):
 * every resource echoes its inputs plus the few outputs the program reads (addresses, ids, names),
 * every lookup returns a plausible answer. Records what was declared and looked up.
 */
import type * as pulumi from '@pulumi/pulumi';

/** One resource the program declared. */
export interface DeclaredResource {
  /** Type token, e.g. `digitalocean:index/droplet:Droplet` or `rfarm:aws:WindowsBuilderPool`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs as the provider would receive them (secrets unwrapped). */
  readonly inputs: Record<string, any>;
  /** Top-level input names that arrived as secrets. */
  readonly secretInputs: readonly string[];
  /** What the mock answered besides the inputs (addresses, ids): what a real provider would return. */
  readonly outputs?: Record<string, unknown>;
  /** The resource options that decide day-two behaviour (what replaces it, what is ignored). */
  readonly options?: DeclaredOptions;
}

/** The resource options a run records: what `pulumi up` does when inputs change. */
export interface DeclaredOptions {
  readonly ignoreChanges: readonly string[];
  readonly replaceOnChanges: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

/** Pulumi's marker of a serialized secret. */
const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d';

function isSecret(value: unknown): value is { value: unknown } {
  return value !== null && typeof value === 'object' && SECRET_SIGNATURE in value;
}

/** The value with every secret wrapper removed. */
export function unwrapSecrets(value: unknown): any {
  if (isSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)]));
  return value;
}

/** One provider function the program called. */
export interface DeclaredLookup {
  readonly token: string;
  readonly inputs: Record<string, any>;
}

/**
 * A stand-in address derived from the resource's name, so that two runs of the program give every
 * resource the same outputs and a difference between runs is a difference in what was declared.
 */
function address(prefix: string, name: string): string {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return `${prefix}.${(hash >>> 8) % 250}.${(hash % 250) + 1}`;
}

function outputsFor(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case 'digitalocean:index/droplet:Droplet':
      return { ipv4Address: address('203.0', name), ipv4AddressPrivate: address('10.60', name), urn: `do:droplet:${name}` };
    case 'digitalocean:index/loadBalancer:LoadBalancer':
      return { ip: address('198.51', name) };
    case 'digitalocean:index/spacesBucket:SpacesBucket':
      return { bucketDomainName: `${inputs.name}.${inputs.region}.digitaloceanspaces.com` };
    case 'digitalocean:index/containerRegistry:ContainerRegistry':
      return { serverUrl: 'registry.digitalocean.com', endpoint: `registry.digitalocean.com/${inputs.name}` };
    case 'digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials':
      return { dockerCredentials: JSON.stringify({ auths: { 'registry.digitalocean.com': { auth: 'cGxhY2Vob2xkZXI=' } } }) };
    case 'aws:ec2/eip:Eip':
      return { publicIp: address('192.0', name) };
    case 'aws:ssm/parameter:Parameter':
      return { arn: `arn:aws:ssm:us-east-1:123456789012:parameter${inputs.name}` };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::123456789012:role/${name}`, name };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { arn: `arn:aws:iam::123456789012:instance-profile/${name}`, name };
    default:
      return {};
  }
}

function lookupResult(token: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: ['us-east-1a', 'us-east-1b', 'us-east-1c'], zoneIds: ['use1-az1', 'use1-az2', 'use1-az4'] };
    case 'aws:ec2/getAmi:getAmi':
      return { id: 'ami-0123456789abcdef0', name: inputs.filters?.[0]?.values?.[0] ?? 'ami' };
    case 'vsphere:index/getVirtualMachine:getVirtualMachine':
      return {
        id: `vm-${inputs.name}`,
        uuid: `uuid-${inputs.name}`,
        guestId: 'darwin23_64Guest',
        firmware: 'efi',
        disks: [{ label: 'disk0', size: 120, thinProvisioned: true, eagerlyScrub: false, unitNumber: 0 }],
        networkInterfaceTypes: ['vmxnet3'],
      };
    default:
      return { id: `${token.split(':').pop()}-${inputs.name ?? 'default'}`, name: inputs.name };
  }
}

/** Mocks that record into the given arrays. */
export function recordingMocks(resources: DeclaredResource[], lookups: DeclaredLookup[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      // The root stack resource (declare-offline.ts runs the program inside one) is the engine's, not the program's.
      if (args.type === 'pulumi:pulumi:Stack') return { id: undefined, state: {} };
      const inputs = unwrapSecrets(args.inputs);
      const secretInputs = Object.keys(args.inputs).filter((key) => isSecret(args.inputs[key]));
      const outputs = outputsFor(args.type, args.name, inputs);
      resources.push({ type: args.type, name: args.name, inputs, secretInputs, outputs });
      return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
    },
    call(args) {
      const inputs = unwrapSecrets(args.inputs);
      lookups.push({ token: args.token, inputs });
      return lookupResult(args.token, inputs);
    },
  };
}
