/** What the sysreqs routes are given; its own module so routes need not import the app. */
import type { Logger } from 'pino';
import type { SysreqsMetrics } from './metrics.ts';
import type { RepositoryIndex } from './repository-index.ts';
import type { RuleDatabase } from './rule-database.ts';

/** Collaborators of the app, swapped in tests through this seam. */
export interface SysreqsDeps {
  /** The validated rules database. */
  readonly rules: RuleDatabase;
  /** The repository index for package names and recursion; undefined when none is configured. */
  readonly index: RepositoryIndex | undefined;
  readonly logger: Logger;
  readonly metrics: SysreqsMetrics;
}
