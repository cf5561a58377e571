/**
 * A test whose precondition is missing is reported as skipped, with its reason, never as passed.
 * uvu's `test.skip` counts a skip but carries no reason, so this adds one line that `test/run.ts`
 * reads and lists at the end of a run:
 *
 *     SKIP: <test name>: <reason>
 */
import { test as defaultSuite, type Test } from 'uvu';

/** The line prefix `test/run.ts` looks for; the name and the reason follow, separated by ": ". */
export const SKIP_MARKER = 'SKIP: ';

/** Registers `name` on `suite` as skipped (uvu counts it) and prints why. */
export function skipTest(name: string, reason: string, suite: Test = defaultSuite): void {
  suite.skip(name, () => {});
  console.log(`${SKIP_MARKER}${name}: ${reason}`);
}

/**
 * Registers `name` as a test when `missing` is undefined, otherwise as a skip whose reason is `missing`
 * (what is absent and, where it helps, how to get it).
 */
export function testUnless(missing: string | undefined, name: string, handler: Parameters<Test>[1], suite: Test = defaultSuite): void {
  if (missing === undefined) suite(name, handler);
  else skipTest(name, missing, suite);
}
