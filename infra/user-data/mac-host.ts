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
  const info = renderGuestInfo({ ...input, natsCreds: '' });
  const write = (key: string, path: string, mode: string) => `printf '%s' ${quote(info[key])} | base64 -D > ${path} && chmod ${mode} ${path}`;
  // One environment per agent: agent.env for the first, agent-<n>.env for the others (agent-boot.sh starts one agent per file).
  const agents = Object.keys(info).filter((key) => /^guestinfo\.rfarm\.env(-\d+)?$/.test(key)).length;
  return [
    '#!/bin/bash',
    '# rfarm EC2 Mac builder (infra/user-data/mac-host.ts); run once by ec2-macos-init.',
    'set -euo pipefail',
    'install -d -m 0755 /etc/rfarm /var/lib/rfarm',
    ...Array.from({ length: agents }, (_, index) =>
      write(agentEnvKey(index + 1), index === 0 ? '/etc/rfarm/agent.env' : `/etc/rfarm/agent-${index + 1}.env`, '0600'),
    ),
    write('guestinfo.rfarm.ca', '/etc/rfarm/farm-ca.pem', '0644'),
    write('guestinfo.rfarm.alloy', '/etc/rfarm/config.alloy', '0644'),
    `aws ssm get-parameter --region ${quote(input.region)} --name ${quote(input.credsParameter)} --with-decryption --query Parameter.Value --output text > /etc/rfarm/nats.creds`,
    'chmod 0600 /etc/rfarm/nats.creds',
    `git clone --depth 1 --branch ${quote(input.sourceRef)} ${quote(input.sourceRepo)} /opt/rfarm`,
    `/opt/rfarm/images/macos/provision.sh ${quote(input.rVersion)}`,
    'launchctl bootstrap system /Library/LaunchDaemons/org.rfarm.agent.plist',
    '',
  ].join('\n');
}
