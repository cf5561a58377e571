/**
 * NATS failures that pass by themselves (a server restarting, a cluster electing a leader) are
 * retried for a while instead of failing the request; the rest are real errors.
 */

/** Whether a NATS/JetStream error is worth retrying. */
export function isTransientNatsError(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ''} ${(error as Error)?.message ?? error}`;
  return /no responders|timeout|TIMEOUT|CONNECTION_CLOSED|CONNECTION_DRAINING|DISCONNECT|RECONNECT|503|jetstream (not|is not) (enabled|ready)|temporarily unavailable|insufficient resources|leader|no suitable peers|stream is offline|cluster/i.test(text);
}

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
