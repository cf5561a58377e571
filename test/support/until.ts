/** Polling for what a real process, server or farm does in its own time. */

/** Polls `probe` until it gives a truthy value and returns that; fails naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  options: { readonly everyMs?: number; readonly detail?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${options.detail ? `; ${options.detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 250));
  }
}
