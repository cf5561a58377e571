/**
 * Dependency installation (issue 7): the agent's install step for the same dependency set with an
 * empty cache and then with the cache filled, through `benchDependencyInstall` from
 * test/dependencies/install-step-bench.ts (real R, the sandboxed step, a repository on loopback).
 */
import { benchDependencyInstall } from '../../test/dependencies/install-step-bench.ts';
import { median, ratio, round } from '../statistics.ts';
import type { BenchContext, Scenario } from './scenario.ts';

const ROUNDS = { full: 3, quick: 1 };
const PACKAGES = 4;

export const dependencyCache: Scenario = {
  name: 'deps',
  summary: `install step of a ${PACKAGES}-package dependency set, uncached vs cached`,
  async run({ size, log }: BenchContext) {
    const uncached: number[] = [];
    const cached: number[] = [];
    for (let round = 0; round < ROUNDS[size]; round++) {
      const measured = await benchDependencyInstall(PACKAGES);
      uncached.push(measured.uncachedSeconds * 1000);
      cached.push(measured.cachedSeconds * 1000);
      log(`deps: round ${round + 1}: uncached ${Math.round(uncached.at(-1)!)} ms, cached ${Math.round(cached.at(-1)!)} ms`);
    }
    return {
      rows: [
        { key: 'deps_cache_speedup', label: 'uncached / cached install step', value: round(ratio(median(uncached), median(cached)), 2), unit: '×' },
        { key: 'deps_uncached_ms', label: `install step, empty cache (${PACKAGES} packages)`, value: round(median(uncached), 0), unit: 'ms' },
        { key: 'deps_cached_ms', label: 'install step, cache filled', value: round(median(cached), 0), unit: 'ms' },
      ],
      notes: [`${ROUNDS[size]} round(s), each a fresh repository and cache; medians`],
    };
  },
};
