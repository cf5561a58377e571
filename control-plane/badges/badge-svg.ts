/**
 * Badges as SVG, drawn by shields.io's own renderer (`badge-maker`): what a badge says and its
 * colour, for a check result and for a version in the farm's repository. Pure functions.
 */
import { makeBadge } from 'badge-maker';
import type { CheckStatus } from '../../protocol/index.ts';
import type { LatestResult } from './latest-results.ts';

const RESULT_COLOURS: Record<CheckStatus, string> = { OK: 'brightgreen', NOTE: 'yellowgreen', WARNING: 'orange', ERROR: 'red' };
const SEVERITY: readonly CheckStatus[] = ['OK', 'NOTE', 'WARNING', 'ERROR'];

/** What one result says: the check's verdict, or how the farm failed to reach one. */
function verdict(result: LatestResult): { message: string; color: string; rank: number } {
  if (result.status === 'DONE' && result.result) return { message: result.result, color: RESULT_COLOURS[result.result], rank: SEVERITY.indexOf(result.result) };
  // The farm's own failures rank below a package ERROR: they say nothing about the package.
  const message = result.status === 'TIMEOUT' ? 'timed out' : result.status === 'CANCELLED' ? 'cancelled' : 'failed';
  return { message, color: 'lightgrey', rank: -1 };
}

/**
 * The check badge of a package: one platform's result, or across platforms the worst verdict
 * (`label` says which). No result yet gives a grey "no results".
 */
export function checkBadge(label: string, results: readonly LatestResult[]): string {
  if (results.length === 0) return makeBadge({ label, message: 'no results', color: 'lightgrey' });
  const verdicts = results.map(verdict);
  const worst = verdicts.reduce((a, b) => (b.rank > a.rank ? b : a));
  return makeBadge({ label, message: worst.message, color: worst.color });
}

/** The version badge: the package's newest version in the farm's repository, or "not published". */
export function versionBadge(label: string, version: string | null): string {
  if (!version) return makeBadge({ label, message: 'not published', color: 'lightgrey' });
  return makeBadge({ label, message: `v${version}`, color: 'blue' });
}
