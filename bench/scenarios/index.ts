/**
 * The scenarios `npm run bench` runs, in order. Order matters: the submission flood goes last, so
 * its thousands of queued records do not slow the control plane's periodic scans under the others.
 */
import { apiThroughput } from './api-throughput.ts';
import { dispatchLatency } from './dispatch-latency.ts';
import { farmOverhead } from './farm-overhead.ts';
import { scaling } from './scaling.ts';
import { submitThroughput } from './submit-throughput.ts';
import { sysreqsResolution } from './sysreqs-resolution.ts';
import type { Scenario } from './scenario.ts';

export type { BenchContext, BenchSize, Scenario } from './scenario.ts';

export const SCENARIOS: readonly Scenario[] = [
  dispatchLatency,
  farmOverhead,
  apiThroughput,
  sysreqsResolution,
  // SLOT (issue 7): dependency installation, cached vs uncached dependency set. When the
  // dependency cache exports its "install step of a cached vs. uncached dependency set" function,
  // add a `dependencyCache` scenario here (bench/scenarios/dependency-cache.ts) reporting
  // `deps_cached_ms`, `deps_uncached_ms` and `deps_cache_speedup`.
  scaling,
  submitThroughput,
];
