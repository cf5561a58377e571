/**
 * Whether the control plane's NATS connection is up right now, from the client's own status events,
 * so a request that needs NATS is refused at once while it is away (a JetStream call would
 * otherwise wait out its timeouts and retries, tens of seconds).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { FarmConnection } from './jetstream.ts';

export class NatsAvailability {
  private disconnectedAt: number | null = null;

  private readonly nc: NatsConnection;

  constructor(farm: FarmConnection) {
    this.nc = farm.nc;
    void this.watch();
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      const type = String(status.type);
      if (type === 'disconnect') this.disconnectedAt ??= Date.now();
      else if (type === 'reconnect') this.disconnectedAt = null;
    }
  }

  /** Why NATS cannot be used now, or null when it can. */
  get problem(): string | null {
    if (this.nc.isClosed()) return 'the connection to NATS, where the farm keeps its jobs, is closed';
    if (this.disconnectedAt !== null) {
      const seconds = Math.round((Date.now() - this.disconnectedAt) / 1000);
      return `NATS, where the farm keeps its jobs, has been unreachable for ${seconds} s (the control plane keeps reconnecting)`;
    }
    return null;
  }
}
