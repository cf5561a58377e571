/** The shape every benchmark scenario has, and what it gets to work with. */
import type { BenchFarm } from '../bench-farm.ts';
import type { ScenarioResult } from '../results-table.ts';

/** How much to run: `full` for the published figures, `quick` to see that everything works. */
export type BenchSize = 'full' | 'quick';

/** What a scenario is given. */
export interface BenchContext {
  /** The running local farm (one agent when a scenario starts; a scenario restores that). */
  readonly farm: BenchFarm;
  readonly size: BenchSize;
  /** Progress lines on stderr, so stdout keeps just the table. */
  log(line: string): void;
}

/** One benchmark: a name for the table and a function that measures. */
export interface Scenario {
  /** Short name, the table's section heading and the `--only` selector. */
  readonly name: string;
  /** One sentence on what is measured. */
  readonly summary: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}
