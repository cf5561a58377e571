/**
 * The verdict of an `R CMD check`, from evidence the package cannot take back. R prints every check
 * line to its standard output, which reaches the agent through a pipe the package cannot read or
 * rewind: package code can add lines to it, never remove R's. `00check.log` is a file the package
 * can rewrite, so it can only make a verdict worse. The verdict is the worst of the two, and a
 * check that did not end the way R ends one (its `Status:` line, exit status 0 unless it found an
 * ERROR) is an ERROR whatever the files say.
 */
import type { CheckItem, CheckResult, CheckStatus } from '../../protocol/index.ts';
import { parseCheckLog } from './check-log.ts';

/** What the agent saw of one check. */
export interface CheckEvidence {
  /** R CMD check's console output, as the agent's pipe received it. */
  readonly console: string;
  /** `00check.log` when it could be read safely; null when missing or refused. */
  readonly log: string | null;
  readonly exitCode: number | null;
}

const RANK: readonly CheckStatus[] = ['OK', 'NOTE', 'WARNING', 'ERROR'];

function sameItem(a: CheckItem, b: CheckItem): boolean {
  return a.severity === b.severity && a.check === b.check;
}

function resultOf(items: readonly CheckItem[]): CheckResult {
  const count = (severity: CheckItem['severity']) => items.filter((item) => item.severity === severity).length;
  const status = items.reduce<CheckStatus>((worst, item) => (RANK.indexOf(item.severity) > RANK.indexOf(worst) ? item.severity : worst), 'OK');
  return { status, notes: count('NOTE'), warnings: count('WARNING'), errors: count('ERROR'), items: [...items] };
}

/** The check's verdict: console items, plus log items the console lacks, plus how R ended. */
export function checkVerdict(evidence: CheckEvidence): CheckResult {
  const items = [...parseCheckLog(evidence.console).items];
  if (evidence.log !== null) {
    for (const item of parseCheckLog(evidence.log).items) if (!items.some((known) => sameItem(known, item))) items.push(item);
  }
  const finished = /^Status: /m.test(evidence.console);
  if (!finished) {
    items.push({
      severity: 'ERROR',
      check: 'R CMD check',
      text: `R CMD check did not finish: its output has no "Status:" line (exit status ${evidence.exitCode ?? 'none: killed'})`,
    });
  } else if (evidence.exitCode !== 0 && !items.some((item) => item.severity === 'ERROR')) {
    items.push({ severity: 'ERROR', check: 'R CMD check', text: `R CMD check exited with status ${evidence.exitCode} without reporting an ERROR` });
  }
  return resultOf(items);
}

/** `result` with `extra` items added (e.g. files the build left that the farm refused to take). */
export function withItems(result: CheckResult, extra: readonly CheckItem[]): CheckResult {
  return extra.length ? resultOf([...result.items, ...extra]) : result;
}
