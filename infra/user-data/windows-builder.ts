/**
 * PowerShell user-data of a Windows builder: runs `images/windows/provision.ps1` (install R and
 * Rtools for the platform's flavour, Node, the farm checkout, Alloy) with this platform's
 * parameters and one environment per agent the host runs, which it registers as Windows services
 * `rfarm-agent-<n>` (worker id `<instance id>-agent-<n>`). The NATS credentials are not
 * in the user-data: the script reads them from SSM Parameter Store with the instance role.
 */
import { R_VERSIONS, type Platform } from '../../images/index.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import type { AgentLayout } from '../sizing.ts';
import { agentEnvironment, agentEnvironments, agentMetricsPort, ONE_AGENT, type AgentSettings } from './agent-environment.ts';

/** Everything a Windows builder's user-data is made of. */
export interface WindowsBuilderInput {
  readonly stack: string;
  readonly platform: Platform;
  /** Text of images/windows/provision.ps1. */
  readonly provisionScript: string;
  /** Rtools series the platform's R needs, from its image definition (e.g. "45"). */
  readonly rtools: string;
  readonly sourceRepo: string;
  readonly sourceRef: string;
  /** SSM parameter holding this pool's NATS credentials. */
  readonly credsParameter: string;
  readonly region: string;
  readonly caPem: string;
  readonly lokiUrl: string;
  readonly remoteWriteUrl: string;
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
  /** Agents the host runs; default one with the whole host. */
  readonly agents?: AgentLayout;
}

const ROOT = 'C:\\rfarm';

function psString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function psHashtable(values: Record<string, string>): string {
  return `@{\n${Object.entries(values)
    .map(([key, value]) => `  ${key} = ${psString(value)}`)
    .join('\n')}\n}`;
}

/** Renders `<powershell>…</powershell>` user-data (EC2Launch v2 runs it once, as SYSTEM). */
export function renderWindowsBuilderUserData(input: WindowsBuilderInput): string {
  const base = agentEnvironment(input.platform, {
    ...input.agent,
    natsCredsPath: `${ROOT}\\etc\\nats.creds`,
    caPath: `${ROOT}\\etc\\farm-ca.pem`,
    dataDir: `${ROOT}\\jobs`,
  });
  // Windows builders run on Spot (their on-demand fallback shares the template): each agent watches
  // for EC2's interruption notice and stops taking builds when one comes (images/agent/spot-interruption.ts).
  base.FARM_SPOT_NOTICE = 'imds';
  const environments = agentEnvironments(base, input.agents ?? ONE_AGENT, (slot) => `${ROOT}\\jobs\\agent-${slot}`);
  const alloy = renderAlloyConfig({
    stack: input.stack,
    role: 'builder',
    platformId: input.platform.id,
    logSource: 'windows-event-log',
    lokiUrl: input.lokiUrl,
    remoteWriteUrl: input.remoteWriteUrl,
    localTargets: environments.map((_, index) => ({ job: 'agent', address: `127.0.0.1:${agentMetricsPort(index + 1)}` })),
    caFile: `${ROOT}\\etc\\farm-ca.pem`,
  });
  return [
    '<powershell>',
    "$ErrorActionPreference = 'Stop'",
    `$provision = {\n${input.provisionScript.trim()}\n}`,
    `$agentEnvironments = @(\n${environments.map(psHashtable).join(',\n')}\n)`,
    '& $provision `',
    `  -Platform ${psString(input.platform.id)} -RFlavour ${psString(input.platform.rFlavour)} -RVersion ${psString(R_VERSIONS[input.platform.rFlavour])} -Rtools ${psString(input.rtools)} \``,
    `  -SourceRepo ${psString(input.sourceRepo)} -SourceRef ${psString(input.sourceRef)} \``,
    `  -CredsParameter ${psString(input.credsParameter)} -Region ${psString(input.region)} \``,
    `  -CaPem ${psString(input.caPem)} -AlloyConfig ${psString(alloy)} -AgentEnvironments $agentEnvironments`,
    '</powershell>',
    '',
  ].join('\n');
}
