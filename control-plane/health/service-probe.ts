/** Whether a service the farm's builds depend on (the sysreqs service) answers its /healthz. */

const PROBE_TIMEOUT_MS = 2_000;

/** Null when `${url}/healthz` answers 2xx within two seconds; otherwise what went wrong. */
export async function probeService(url: string): Promise<string | null> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok ? null : `${url} answers ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return `${url} does not answer (${cause})`;
  }
}
