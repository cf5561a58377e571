/**
 * PowerShell user-data of a Windows builder: runs `images/windows/provision.ps1` (install R and
 * Rtools for the platform's flavour, Node, the farm checkout, Alloy) with this platform's
 * parameters, which then registers the agent as a Windows service. The NATS credentials are not
 * in the user-data: the script reads them from SSM Parameter Store with the instance role.
 */
import { R_VERSIONS, type Platform } from '../../images/index.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import { AGENT_PORT, agentEnvironment, type AgentSettings } from './agent-environment.ts';

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
  const environment = agentEnvironment(input.platform, {
    ...input.agent,
    natsCredsPath: `${ROOT}\\etc\\nats.creds`,
    caPath: `${ROOT}\\etc\\farm-ca.pem`,
    dataDir: `${ROOT}\\jobs`,
  });
  const alloy = renderAlloyConfig({
    stack: input.stack,
    role: 'builder',
    platformId: input.platform.id,
    logSource: 'windows-event-log',
    lokiUrl: input.lokiUrl,
    remoteWriteUrl: input.remoteWriteUrl,
    localTargets: [{ job: 'agent', address: `127.0.0.1:${AGENT_PORT}` }],
    caFile: `${ROOT}\\etc\\farm-ca.pem`,
  });
  return [
    '<powershell>',
    "$ErrorActionPreference = 'Stop'",
    `$provision = {\n${input.provisionScript.trim()}\n}`,
    `$agentEnvironment = ${psHashtable(environment)}`,
    '& $provision `',
    `  -Platform ${psString(input.platform.id)} -RFlavour ${psString(input.platform.rFlavour)} -RVersion ${psString(R_VERSIONS[input.platform.rFlavour])} -Rtools ${psString(input.rtools)} \``,
    `  -SourceRepo ${psString(input.sourceRepo)} -SourceRef ${psString(input.sourceRef)} \``,
    `  -CredsParameter ${psString(input.credsParameter)} -Region ${psString(input.region)} \``,
    `  -CaPem ${psString(input.caPem)} -AlloyConfig ${psString(alloy)} -AgentEnvironment $agentEnvironment`,
    '</powershell>',
    '',
  ].join('\n');
}
