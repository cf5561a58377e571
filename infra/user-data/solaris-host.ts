/**
 * cloud-init of a Solaris KVM host on EC2. There is no Solaris AMI: the instance (nested
 * virtualization enabled) runs images/solaris/kvm-host.sh, which fetches the Solaris 11.4 x86
 * guest disk from S3, packs the agent's environment and credentials into a config ISO and boots
 * the guest under QEMU/KVM as a systemd service. The guest's boot script starts the agent.
 */
import type { Platform } from '../../images/index.ts';
import { renderAlloyConfig } from '../monitoring/alloy-config.ts';
import { AGENT_PORT, agentEnvironment, envFile, type AgentSettings } from './agent-environment.ts';
import { installAlloyCommands, renderCloudConfig } from './cloud-init.ts';

/** Everything a Solaris host's user-data is made of. */
export interface SolarisHostInput {
  readonly stack: string;
  readonly platform: Platform;
  /** Text of images/solaris/kvm-host.sh. */
  readonly kvmHostScript: string;
  readonly imageBucket: string;
  readonly imageKey: string;
  readonly credsParameter: string;
  readonly region: string;
  readonly sourceRepo: string;
  readonly sourceRef: string;
  readonly caPem: string;
  readonly lokiUrl: string;
  readonly remoteWriteUrl: string;
  readonly agent: Omit<AgentSettings, 'natsCredsPath' | 'caPath' | 'dataDir'>;
}

/** Renders the host's `#cloud-config`. */
export function renderSolarisHostUserData(input: SolarisHostInput): string {
  const guestEnvironment = agentEnvironment(input.platform, {
    ...input.agent,
    natsCredsPath: '/etc/rfarm/nats.creds',
    caPath: '/etc/rfarm/farm-ca.pem',
    dataDir: '/var/lib/rfarm',
  });
  const hostSettings = {
    RFARM_IMAGE_URI: `s3://${input.imageBucket}/${input.imageKey}`,
    RFARM_CREDS_PARAMETER: input.credsParameter,
    AWS_DEFAULT_REGION: input.region,
    RFARM_SOURCE: `${input.sourceRepo}#${input.sourceRef}`,
  };
  const alloy = renderAlloyConfig({
    stack: input.stack,
    role: 'solaris-host',
    platformId: input.platform.id,
    logSource: 'journal',
    lokiUrl: input.lokiUrl,
    remoteWriteUrl: input.remoteWriteUrl,
    // The guest's agent port is forwarded to the host by QEMU (see kvm-host.sh).
    localTargets: [
      { job: 'agent', address: `127.0.0.1:${AGENT_PORT}` },
      { job: 'node', address: '127.0.0.1:9100' },
    ],
    caFile: '/etc/rfarm/farm-ca.pem',
  });
  return renderCloudConfig({
    packages: ['qemu-system-x86', 'qemu-utils', 'genisoimage', 'awscli', 'curl', 'gpg', 'prometheus-node-exporter'],
    files: [
      { path: '/usr/local/sbin/rfarm-kvm-host', content: input.kvmHostScript, permissions: '0755' },
      { path: '/etc/rfarm/host.env', content: envFile(hostSettings) },
      { path: '/etc/rfarm/guest/agent.env', content: envFile(guestEnvironment), permissions: '0600' },
      { path: '/etc/rfarm/guest/farm-ca.pem', content: input.caPem },
      { path: '/etc/rfarm/farm-ca.pem', content: input.caPem },
      { path: '/etc/alloy/config.alloy', content: alloy },
    ],
    commands: ['/usr/local/sbin/rfarm-kvm-host install', 'systemctl enable --now rfarm-solaris-guest', ...installAlloyCommands()],
  });
}
