/** The install-step benchmark runs and shows what the cache is for. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { benchDependencyInstall } from './install-step-bench.ts';

test('a cached dependency set starts several times faster than an uncached one', async () => {
  const result = await benchDependencyInstall(3);
  assert.is(result.packages, 3);
  assert.ok(result.ratio > 3, JSON.stringify(result));
});

test.run();
