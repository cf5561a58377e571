/**
 * The `egress` network policy as the agent applies it: the farm's own addresses are resolved once,
 * at start, and one namespace is opened and closed then, so a host that cannot fence builds
 * never takes one; each build then gets a namespace of its own (egress-network.ts opens it).
 */
import type { Logger } from 'pino';
import type { AgentConfig } from './config.ts';
import { farmAddresses, hostIpv4Addresses, openEgressNetwork, type EgressNetwork } from './egress-network.ts';
import { canSwitchIdentity } from './sandbox-host.ts';

/** Fences builds off the farm's own addresses. */
export class EgressFence {
  /** The farm's own addresses, resolved by `prepare`. */
  private farmNetworks: string[] = [];

  constructor(
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {}

  /** Resolves the farm's addresses and opens one egress namespace, so a host that cannot fence builds never takes one. */
  async prepare(): Promise<void> {
    const urls = [
      ...this.config.natsServers.map((server) => (server.includes('://') ? server : `nats://${server}`)),
      ...(this.config.sysreqsUrl ? [this.config.sysreqsUrl] : []),
    ];
    this.farmNetworks = await farmAddresses(urls, this.config.egressBlock);
    try {
      await (await this.open()).close();
    } catch (error) {
      throw new Error(`network policy egress cannot be applied on this host: ${(error as Error).message} (README, "Network policy")`, { cause: error });
    }
    this.log.info({ farmNetworks: this.farmNetworks }, 'checks run under network policy egress');
  }

  /** One build's fenced namespace. */
  open(): Promise<EgressNetwork> {
    return openEgressNetwork({ farmNetworks: this.farmNetworks, hostAddresses: hostIpv4Addresses(), ownUserNamespace: !canSwitchIdentity() });
  }
}
