/**
 * The rfarm policy pack: `pulumi preview --policy-pack infra/policy` (or `pulumi up --policy-pack
 * infra/policy`) runs every rule of policies.ts on the stack being deployed, as mandatory policies.
 * The pack's version is its package.json's (the SDK reads it from there).
 */
import { PolicyPack } from '@pulumi/policy';
import { farmPolicies } from './pack.ts';

new PolicyPack('rfarm', { policies: farmPolicies() });
