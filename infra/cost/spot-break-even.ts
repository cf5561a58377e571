/**
 * How far the Windows Spot result is from a monthly target: the Spot compute price, as a share of
 * on demand, and the on-demand fallback share at which the elastic total meets it exactly. Pure,
 * from the estimate's own hours and prices (elastic.ts).
 */
import { elasticTotal, type ElasticEstimate } from './elastic.ts';

/** How far the Spot result is from a monthly target. */
export interface SpotBreakEven {
  /** Spot compute, as a share of on-demand compute, at which the total meets the target exactly (the fallback share as assumed). */
  readonly spotShareOfOnDemand: number;
  /** The recorded Spot price's share of on-demand compute. */
  readonly recordedShare: number;
  /** The on-demand fallback share at which the total meets the target, at the recorded Spot price. */
  readonly fallbackShare: number;
}

/** The break-even of the Windows Spot hours against `targetMonthly`; null without Windows hours. Shares may fall outside 0–1 (the target is then met, or missed, whatever Spot does). */
export function spotBreakEven(estimate: ElasticEstimate, targetMonthly: number): SpotBreakEven | null {
  const w = estimate.windows;
  if (!w || w.spotHours === 0) return null;
  const total = elasticTotal(estimate);
  const hours = w.spotHours + w.fallbackHours;
  const spotCompute = w.spotHours * w.spotComputeHourly;
  // Everything but the Spot compute, then everything but the Windows hours.
  const withoutSpotCompute = total - spotCompute;
  const withoutWindows = withoutSpotCompute - w.spotHours * w.licenceHourly - w.fallbackHours * (w.onDemandComputeHourly + w.licenceHourly);
  const onSpotHourly = w.spotComputeHourly + w.licenceHourly;
  const onDemandHourly = w.onDemandComputeHourly + w.licenceHourly;
  return {
    spotShareOfOnDemand: (targetMonthly - withoutSpotCompute) / (w.spotHours * w.onDemandComputeHourly),
    recordedShare: w.spotComputeHourly / w.onDemandComputeHourly,
    fallbackShare: (targetMonthly - withoutWindows - hours * onSpotHourly) / (hours * (onDemandHourly - onSpotHourly)),
  };
}
