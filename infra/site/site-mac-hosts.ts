import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { builderBootFields, type BuilderHostArgs } from '../builder-host-args.ts';
import type { AgentLayout } from '../sizing.ts';
import type { SiteMac } from '../stack-config.ts';
import { renderSiteMacInstallScript, SITE_MAC_UNINSTALL_COMMAND } from '../user-data/mac-host.ts';

/**
 * Arguments of the site's Mac minis serving one macOS arm64 platform: a builder pool's (its
 * `size.desired` first registered hosts are used), plus how to reach the hosts.
 */
export interface SiteMacHostsArgs extends Omit<BuilderHostArgs, 'agents'> {
  /** The registered hosts (rfarm:macSite.hosts). */
  readonly hosts: readonly SiteMac[];
  /** The private key that logs in to them (secret). */
  readonly sshKey: pulumi.Input<string>;
  /** Agents each host runs (sizing.ts `agentLayoutFor`). */
  readonly agents: AgentLayout;
  /** R version provision.sh installs, from the platform's image definition. */
  readonly rVersion: string;
}

/** Raised when a stack asks for more site Macs than it registers. */
export class SiteMacCountError extends Error {
  override name = 'SiteMacCountError';
}

/**
 * macOS arm64 builders on owned Mac minis at the farm's site, as the x86_64 ones are Intel Macs
 * there (ESXi does not run on Apple silicon, so these are bare hosts, not VMs). Nothing is
 * created in a cloud: per registered host one remote command that `pulumi up` runs over SSH as
 * root, installing R, the agents and their per-build users (user-data/mac-host.ts
 * `renderSiteMacInstallScript`, sent on stdin because it holds the NATS credentials), and that
 * `pulumi destroy` undoes. A changed script runs again on the host. The hosts are always on;
 * nothing scales them.
 */
export class SiteMacHosts extends pulumi.ComponentResource {
  readonly installs: command.remote.Command[];

  constructor(name: string, args: SiteMacHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:site:SiteMacHosts', name, { platform: args.platform.id }, opts);
    if (args.size.desired > args.hosts.length)
      throw new SiteMacCountError(
        `platform '${args.platform.id}' wants ${args.size.desired} site Mac(s) but rfarm:macSite.hosts registers ${args.hosts.length}; add hosts or lower its pool's desired`,
      );
    const script = pulumi.secret(
      pulumi
        .all([args.natsCreds, args.caPem])
        .apply(([natsCreds, caPem]) =>
          renderSiteMacInstallScript({ ...builderBootFields(args), agents: args.agents, natsCreds, caPem, rVersion: args.rVersion }),
        ),
    );
    this.installs = args.hosts.slice(0, args.size.desired).map(
      (host, index) =>
        new command.remote.Command(
          `${name}-${index + 1}`,
          {
            connection: { host: host.address, user: host.user, privateKey: pulumi.secret(args.sshKey), dialErrorLimit: 5 },
            create: 'sudo bash -s',
            update: 'sudo bash -s',
            stdin: script,
            delete: SITE_MAC_UNINSTALL_COMMAND,
            // A new script (configuration, credentials) runs `update` again on the host.
            triggers: [script],
          },
          { parent: this, additionalSecretOutputs: ['stdout', 'stderr'] },
        ),
    );
    this.registerOutputs({});
  }
}
