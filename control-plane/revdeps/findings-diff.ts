/**
 * What changed for a reverse dependency between its check against the published version of a
 * package and its check against the submitted one: `newly broken` when an ERROR or WARNING
 * appears, `fixed` when one goes, else `unchanged`. Findings are matched by severity and check
 * with their text normalised (temporary paths, timings, line numbers in elapsed output), so that
 * two runs of the same code compare equal. Pure functions.
 */
import type { CheckItem, CheckResult } from '../../protocol/index.ts';

export type RevdepVerdict = 'unchanged' | 'newly broken' | 'fixed';

/** The comparison of one reverse dependency's two checks. */
export interface FindingsDiff {
  readonly verdict: RevdepVerdict;
  /** Findings in the check against the submitted version only. */
  readonly appeared: readonly CheckItem[];
  /** Findings in the check against the published version only. */
  readonly disappeared: readonly CheckItem[];
}

const SERIOUS = new Set<CheckItem['severity']>(['ERROR', 'WARNING']);

/** The text of a finding without what differs between two runs of the same code. */
export function normaliseFinding(text: string): string {
  return text
    .replace(/\/tmp\/[^\s'"]*/g, '<tmp>')
    .replace(/\/job\/[^\s'"]*/g, '<job>')
    .replace(/\b\d+(\.\d+)?\s*(s|sec|secs|seconds)\b/g, '<time>')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

function keyOf(item: CheckItem): string {
  return `${item.severity}\u0000${item.check}\u0000${normaliseFinding(item.text)}`;
}

/** Compares the check against the published version (`before`) with the one against the submitted version (`after`). */
export function diffFindings(before: CheckResult, after: CheckResult): FindingsDiff {
  const beforeKeys = new Set(before.items.map(keyOf));
  const afterKeys = new Set(after.items.map(keyOf));
  const appeared = after.items.filter((item) => !beforeKeys.has(keyOf(item)));
  const disappeared = before.items.filter((item) => !afterKeys.has(keyOf(item)));
  const verdict: RevdepVerdict = appeared.some((item) => SERIOUS.has(item.severity))
    ? 'newly broken'
    : disappeared.some((item) => SERIOUS.has(item.severity))
      ? 'fixed'
      : 'unchanged';
  return { verdict, appeared, disappeared };
}
