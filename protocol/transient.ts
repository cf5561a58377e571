/**
 * NATS failures that pass by themselves (a server restarting, a cluster electing a leader) are
 * retried for a while instead of failing the request; the rest are real errors.
 * Which errors are transient is decided in nats-errors.ts, from the clients' typed errors.
 */
import { isTransientNatsError } from './nats-errors.ts';

/** Runs `operation` again on transient errors until `deadlineMs` from now has passed. */
export async function retryTransient<T>(operation: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientNatsError(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
