/**
 * The simulated day summed per OS family: p95 queue wait, builds served, host-hours. This is
 * what the test asserts and what `npm run cost` prices (infra/cost/elastic-usage.json).
 */
import { quantile, type PoolReport } from './simulate-day.ts';

/** One OS family's day. */
export interface FamilySummary {
  readonly family: string;
  readonly builds: number;
  readonly served: number;
  readonly p95WaitSeconds: number;
  readonly maxWaitSeconds: number;
  readonly hostHours: number;
  readonly hostHoursRoundedUp: number;
  readonly reclaimed: number;
  readonly redelivered: number;
}

/** Per-family sums of the pool reports, in the order families first appear. */
export function summariseByFamily(reports: readonly PoolReport[]): FamilySummary[] {
  const families = [...new Set(reports.map((report) => report.family))];
  return families.map((family) => {
    const pools = reports.filter((report) => report.family === family);
    const waits = pools.flatMap((pool) => pool.waits);
    const total = (pick: (report: PoolReport) => number) => pools.reduce((sum, pool) => sum + pick(pool), 0);
    return {
      family,
      builds: total((pool) => pool.builds),
      served: total((pool) => pool.served),
      p95WaitSeconds: quantile(waits, 0.95),
      maxWaitSeconds: waits.reduce((max, wait) => Math.max(max, wait), 0),
      hostHours: round(total((pool) => pool.hostHours)),
      hostHoursRoundedUp: total((pool) => pool.hostHoursRoundedUp),
      reclaimed: total((pool) => pool.reclaimed),
      redelivered: total((pool) => pool.redelivered),
    };
  });
}

/** What `npm run cost` needs of one pool: its day's host-hours and its busiest moment. */
export interface PoolUsage {
  readonly platform: string;
  readonly family: string;
  /** Builds the day brought to the pool. */
  readonly builds: number;
  /** Agents each host ran (one build each). */
  readonly agentsPerHost: number;
  readonly hostHoursPerDay: number;
  readonly hostHoursRoundedUpPerDay: number;
  readonly peakHosts: number;
}

/** The pools' usage, rounded to 0.01 h so the generated file is stable. */
export function poolUsage(reports: readonly PoolReport[]): PoolUsage[] {
  return reports.map((report) => ({
    platform: report.platform,
    family: report.family,
    builds: report.builds,
    agentsPerHost: report.agentsPerHost,
    hostHoursPerDay: round(report.hostHours),
    hostHoursRoundedUpPerDay: report.hostHoursRoundedUp,
    peakHosts: report.peakHosts,
  }));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
