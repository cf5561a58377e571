/**
 * The rules of policies.ts as `@pulumi/policy` stack validations, for the policy pack that
 * `pulumi preview --policy-pack infra/policy` runs (index.ts). Each policy hands the stack's
 * resources to the same rule function the tests run against the offline program and reports what
 * it returns; nothing is decided twice.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from '@pulumi/policy';
import { fileURLToPath } from 'node:url';
import type { DeclaredResource } from '../preview/offline-mocks.ts';
import { readStackFile } from '../preview/declare-offline.ts';
import * as rules from './policies.ts';

/** Root of the checkout: the stack files (stacks/Pulumi.<stack>.yaml) are read from it. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::…`). */
export function stackOfUrn(urn: string): string {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  if (!match) throw new Error(`'${urn}' is not a Pulumi URN`);
  return match[1];
}

/** What the engine reports about a resource, in the shape the rules read. */
function declared(resource: PolicyResource): DeclaredResource {
  return { type: resource.type, name: resource.name, inputs: resource.props, secretInputs: [] };
}

/** Where a rule reads the stack it runs on: its resources, its name and its stack file. */
interface RuleContext {
  readonly resources: DeclaredResource[];
  readonly stack: string;
  readonly stackConfig: () => Record<string, unknown>;
}

/** One rule of policies.ts as a stack validation that reports each violation on its resource. */
function stackPolicy(repoRoot: string, name: string, description: string, rule: (context: RuleContext) => rules.Violation[]): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: 'mandatory',
    validateStack: (args, reportViolation: ReportViolation) => {
      // The engine's own resources (the stack, provider instances) are not the program's.
      const resources = args.resources.filter((resource) => !resource.type.startsWith('pulumi:'));
      if (resources.length === 0) return;
      const byKey = new Map(resources.map((resource) => [`${resource.type}::${resource.name}`, resource.urn]));
      const stack = stackOfUrn(resources[0].urn);
      const context: RuleContext = { resources: resources.map(declared), stack, stackConfig: () => readStackFile(repoRoot, stack) };
      for (const violation of rule(context)) reportViolation(violation.message, byKey.get(violation.resource));
    },
  };
}

/** Every policy of the pack; `repoRoot` is the checkout whose stack files they read. */
export function farmPolicies(repoRoot: string = REPO_ROOT): StackValidationPolicy[] {
  const policy = (name: string, description: string, rule: (context: RuleContext) => rules.Violation[]) => stackPolicy(repoRoot, name, description, rule);
  const adminCidrs = (context: RuleContext) => (context.stackConfig()['rfarm:adminCidrs'] as string[] | undefined) ?? [];
  return [
    policy('no-world-ingress', 'No ingress from the whole internet, except HTTPS (443) on the load balancer.', ({ resources }) =>
      rules.noWorldIngress(resources),
    ),
    policy('ssh-only-from-admins', 'SSH only from rfarm:adminCidrs, and from nowhere when none is set.', (context) =>
      rules.sshOnlyFromAdmins(context.resources, adminCidrs(context)),
    ),
    policy('imds-v2-required', 'Every EC2 host requires IMDSv2 session tokens.', ({ resources }) => rules.imdsV2Required(resources)),
    policy('volumes-encrypted', 'Every volume is encrypted.', ({ resources }) => rules.volumesEncrypted(resources)),
    policy('no-public-ip-on-builders', 'Builders have no public address.', ({ resources }) => rules.noPublicIpOnBuilders(resources)),
    policy('tagged-with-stack-and-role', 'Every resource that can carry labels carries its stack and role.', ({ resources, stack }) =>
      rules.taggedWithStackAndRole(resources, stack),
    ),
    policy('no-plain-secrets', 'No secret in the plain stack config.', (context) => rules.noPlainSecrets(context.stackConfig())),
  ];
}
