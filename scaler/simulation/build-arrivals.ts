/**
 * When builds arrive in the simulated day: a seeded, reproducible stream shaped like r-hub's
 * submissions — most in European and American working hours, fewest at night — with exactly the
 * requested number of builds per platform. Jobs on the three default platforms arrive together,
 * as a submission with no platform list asks for all three at once.
 */

/** A deterministic pseudo-random source (mulberry32): the same seed, the same day. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Relative submission rate at an hour of the day (UTC): trough 02:00, peak 14:00, peak ≈ 4 × trough. */
export function submissionRate(hourOfDay: number): number {
  return 1 + 0.6 * Math.cos(((hourOfDay - 14) / 24) * 2 * Math.PI);
}

/** `count` instants (seconds into the day, sorted) drawn from `submissionRate` by inverse CDF. */
export function arrivalTimes(count: number, random: () => number): number[] {
  const minutes = 24 * 60;
  const cumulative: number[] = [];
  let total = 0;
  for (let minute = 0; minute < minutes; minute++) cumulative.push((total += submissionRate(minute / 60)));
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const target = random() * total;
    let low = 0;
    let high = minutes - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    times.push(low * 60 + Math.floor(random() * 60));
  }
  return times.sort((a, b) => a - b);
}
