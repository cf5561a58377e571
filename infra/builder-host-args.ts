/**
 * The arguments every non-Linux builder pool takes to boot its hosts, whatever the provider: which
 * platform, how many hosts, and what a host needs to check out the farm, trust it, reach NATS
 * and ship its logs and metrics. The AWS pools (aws/aws-builder-args.ts) and the vSphere VMs
 * (vsphere/builder-vm-pool.ts) extend it with their own; each field is documented once, here.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../images/index.ts';
import type { AgentLayout } from './sizing.ts';
import type { PoolSize } from './stack-config.ts';
import type { AgentSettings } from './user-data/agent-environment.ts';

/** What a builder pool's hosts are and what they boot with. */
export interface BuilderHostArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** The catalogue platform every host of the pool serves. */
  readonly platform: Platform;
  /** The pool's size; `desired` hosts are declared. */
  readonly size: PoolSize;
  /** Agents each host runs (sizing.ts `agentLayoutFor`); default one. */
  readonly agents?: AgentLayout;
  /** This pool's own NATS credentials (a `.creds` file); secret. */
  readonly natsCreds: pulumi.Input<string>;
  /** The farm CA (PEM) the host trusts NATS, Loki and Prometheus with. */
  readonly caPem: pulumi.Input<string>;
  /** Git repository the host checks out into /opt/rfarm. */
  readonly sourceRepo: string;
  /** Branch, tag or commit of that checkout. */
  readonly sourceRef: string;
  /** Loki push URL the host ships its logs to with Alloy. */
  readonly lokiUrl: string;
  /** Prometheus remote-write URL the host pushes its metrics to with Alloy. */
  readonly remoteWriteUrl: string;
  /** The agent's settings that do not depend on the host (NATS URLs, sysreqs URL, R repositories). */
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
}

/** What every builder's boot renderer (user data, guestinfo) takes from the args as they are. */
export type BuilderBootFields = Pick<BuilderHostArgs, 'stack' | 'platform' | 'sourceRepo' | 'sourceRef' | 'lokiUrl' | 'remoteWriteUrl' | 'agent' | 'agents'>;

/** The args' fields that go into a builder's boot files unchanged (the secrets are resolved by each pool). */
export function builderBootFields(args: BuilderHostArgs): BuilderBootFields {
  return {
    stack: args.stack,
    platform: args.platform,
    sourceRepo: args.sourceRepo,
    sourceRef: args.sourceRef,
    lokiUrl: args.lokiUrl,
    remoteWriteUrl: args.remoteWriteUrl,
    agent: args.agent,
    agents: args.agents,
  };
}
