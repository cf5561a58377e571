/**
 * The agents' side of the builds work queue: each platform's one durable pull consumer (named in
 * messages.ts), and the build requests taken from it, without the JetStream message type.
 */
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { FarmConnection } from './jetstream.ts';
import { BUILDS_STREAM, agentConsumer, subjects } from './messages.ts';

/** A build request taken from a platform's queue; it comes back (to any agent) unless acked in time. */
export interface TakenBuild {
  /** The encoded BuildRequest. */
  readonly data: Uint8Array;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly deliveryCount: number;
  /** When the queue stored it (the server's clock), ISO 8601. */
  readonly queuedAt: string;
  /** Done with: the queue forgets it. */
  ack(): void;
  /** Give it back now, or after `delayMs`. */
  nak(delayMs?: number): void;
  /** Never deliver it again (it cannot be handled). */
  term(): void;
  /** Still on it: restarts the ack wait. */
  working(): void;
}

/** A platform's queue as its agents take from it. */
export interface BuildConsumer {
  /** The next build request, or null when none came within `expiresMs`. */
  next(expiresMs: number): Promise<TakenBuild | null>;
}

function takenBuild(msg: JsMsg): TakenBuild {
  return {
    data: msg.data,
    deliveryCount: msg.info.deliveryCount,
    queuedAt: new Date(Math.floor(msg.info.timestampNanos / 1e6)).toISOString(),
    ack: () => msg.ack(),
    nak: (delayMs) => msg.nak(delayMs),
    term: () => msg.term(),
    working: () => msg.working(),
  };
}

/**
 * Binds an agent of `platform` to its platform's durable build consumer, creating it on first use
 * (creating it again with the same configuration is a no-op; the agent's credentials allow exactly this one).
 */
export async function bindBuildConsumer(farm: FarmConnection, platform: string, ackWaitSeconds: number): Promise<BuildConsumer> {
  const durable = agentConsumer(platform);
  await farm.jsm.consumers.add(BUILDS_STREAM, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjects.buildQueue(platform),
    ack_wait: ackWaitSeconds * 1e9,
    max_deliver: -1,
  });
  const consumer = await farm.js.consumers.get(BUILDS_STREAM, durable);
  return {
    next: async (expiresMs) => {
      const msg = await consumer.next({ expires: expiresMs });
      return msg ? takenBuild(msg) : null;
    },
  };
}
