/**
 * User data of an EC2 Mac builder (macOS on a `mac2.metal` dedicated host: macOS on arm64 needs
 * Apple hardware, and ESXi does not run on Apple silicon). `ec2-macos-init` runs it once, as root,
 * at first boot. It writes the same files a vSphere VM's boot script writes from guestinfo
 * (guestinfo.ts renders both), fetches the pool's NATS credentials from SSM Parameter Store with the
 * instance role (they are not in the user data), checks out the farm and runs
 * images/macos/provision.sh, whose launchd daemon (agent-boot.sh) then runs the host's agents, one
 * per environment file.
 */
import { agentEnvKey, renderGuestInfo, type GuestInfoInput } from './guestinfo.ts';

/** Everything an EC2 Mac builder's user data is made of. */
export interface MacHostInput extends Omit<GuestInfoInput, 'natsCreds'> {
  /** SSM parameter holding this pool's NATS credentials. */
  readonly credsParameter: string;
  /** AWS region of that parameter. */
  readonly region: string;
  /** R version provision.sh installs, from the platform's image definition. */
  readonly rVersion: string;
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** Renders the user-data script. */
export function renderMacHostUserData(input: MacHostInput): string {
  const fetchCreds = `aws ssm get-parameter --region ${quote(input.region)} --name ${quote(input.credsParameter)} --with-decryption --query Parameter.Value --output text > /etc/rfarm/nats.creds`;
  return macScript(
    '# rfarm EC2 Mac builder (infra/user-data/mac-host.ts); run once by ec2-macos-init.',
    { ...input, natsCreds: '' },
    input.rVersion,
    fetchCreds,
  );
}

/** A site Mac's install script: the same files, the NATS credentials inline. */
export interface SiteMacInput extends GuestInfoInput {
  /** R version provision.sh installs, from the platform's image definition. */
  readonly rVersion: string;
}

/**
 * The script `pulumi up` runs as root (`sudo bash -s`) on a registered Mac mini over SSH
 * (`@pulumi/command`'s remote Command, infra/site/site-mac-hosts.ts). It reaches the host on the
 * command's stdin, a secret, never in a command line: the NATS credentials are in it. It may run
 * again on the same host (a new configuration): the checkout is fresh and the agents' launchd job
 * is reloaded. provision.sh installs R and the agent, and creates the per-build users
 * (`_rfarm_b<slot>`) the sandbox-exec profile runs builds as.
 */
export function renderSiteMacInstallScript(input: SiteMacInput): string {
  const info = renderGuestInfo(input);
  const writeCreds = `printf '%s' ${quote(info['guestinfo.rfarm.nats-creds'])} | base64 -D > /etc/rfarm/nats.creds`;
  return macScript('# rfarm site Mac builder (infra/user-data/mac-host.ts); run over SSH by pulumi up.', input, input.rVersion, writeCreds, [
    'launchctl bootout system/org.rfarm.agent 2>/dev/null || true',
    'rm -rf /opt/rfarm',
  ]);
}

/** What `pulumi destroy` (or removing a host from rfarm:macSite) runs on it over SSH: the agents stop and the farm's files go; R stays. */
export const SITE_MAC_UNINSTALL_COMMAND =
  "sudo sh -c 'launchctl bootout system/org.rfarm.agent 2>/dev/null; rm -f /Library/LaunchDaemons/org.rfarm.agent.plist; rm -rf /etc/rfarm /opt/rfarm /var/lib/rfarm'";

function macScript(banner: string, input: GuestInfoInput, rVersion: string, credsLine: string, before: readonly string[] = []): string {
  const info = renderGuestInfo(input);
  const write = (key: string, path: string, mode: string) => `printf '%s' ${quote(info[key])} | base64 -D > ${path} && chmod ${mode} ${path}`;
  // One environment per agent: agent.env for the first, agent-<n>.env for the others (agent-boot.sh starts one agent per file).
  const agents = Object.keys(info).filter((key) => /^guestinfo\.rfarm\.env(-\d+)?$/.test(key)).length;
  return [
    '#!/bin/bash',
    banner,
    'set -euo pipefail',
    ...before,
    'install -d -m 0755 /etc/rfarm /var/lib/rfarm',
    ...Array.from({ length: agents }, (_, index) =>
      write(agentEnvKey(index + 1), index === 0 ? '/etc/rfarm/agent.env' : `/etc/rfarm/agent-${index + 1}.env`, '0600'),
    ),
    write('guestinfo.rfarm.ca', '/etc/rfarm/farm-ca.pem', '0644'),
    write('guestinfo.rfarm.alloy', '/etc/rfarm/config.alloy', '0644'),
    credsLine,
    'chmod 0600 /etc/rfarm/nats.creds',
    `git clone --depth 1 --branch ${quote(input.sourceRef)} ${quote(input.sourceRepo)} /opt/rfarm`,
    `/opt/rfarm/images/macos/provision.sh ${quote(rVersion)}`,
    'launchctl bootstrap system /Library/LaunchDaemons/org.rfarm.agent.plist',
    '',
  ].join('\n');
}
