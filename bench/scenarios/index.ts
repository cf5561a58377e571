/**
 * The scenarios `npm run bench` runs, in order. Order matters: the submission flood goes last, so
 * its thousands of queued records do not slow the control plane's periodic scans under the others.
 */
import { apiThroughput } from './api-throughput.ts';
import { containerOverhead } from './container-overhead.ts';
import { dependencyCache } from './dependency-cache.ts';
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
  // Issue 7's install step, cached vs uncached; further scenarios go in this list.
  dependencyCache,
  // Issue 12: a container platform against R CMD check in the same image (needs Docker).
  containerOverhead,
  scaling,
  submitThroughput,
];
