/** Elapsed time as people read it, shared by the web pages and the `rfarm` command. */

/** Seconds as m:ss or h:mm:ss; `missing` when there is no time yet. */
export function formatElapsed(seconds: number | null, missing = '-'): string {
  if (seconds === null) return missing;
  const whole = Math.floor(seconds);
  const two = (value: number) => String(value).padStart(2, '0');
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  return hours > 0 ? `${hours}:${two(minutes)}:${two(whole % 60)}` : `${minutes}:${two(whole % 60)}`;
}
