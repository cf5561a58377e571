/** Reads R CMD check's `00check.log` into a result, the way a person reads it: items that are not OK. */
import type { CheckItem, CheckResult, CheckStatus } from '../../protocol/index.ts';

type Severity = 'NOTE' | 'WARNING' | 'ERROR';

function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  const rank: CheckStatus[] = ['OK', 'NOTE', 'WARNING', 'ERROR'];
  return rank.indexOf(a) >= rank.indexOf(b) ? a : b;
}

/** The severity a block reports: on its headline (`... NOTE`) or on a line of its own (after test output). */
function severityOf(lines: readonly string[]): Severity | null {
  const headline = /\.\.\.\s*(?:\[[^\]]*\]\s*)?(NOTE|WARNING|ERROR)\s*$/.exec(lines[0]);
  if (headline) return headline[1] as Severity;
  for (const line of lines.slice(1)) {
    const own = /^\s*(NOTE|WARNING|ERROR)\s*$/.exec(line);
    if (own) return own[1] as Severity;
  }
  return null;
}

function headlineOf(line: string): string {
  return line
    .replace(/^\*\s+/, '')
    .replace(/\s*\.\.\..*$/, '')
    .trim();
}

/** Parses the text of `00check.log`. */
export function parseCheckLog(text: string): CheckResult {
  const blocks: string[][] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('* ')) blocks.push([line]);
    else if (blocks.length > 0 && !/^Status: /.test(line)) blocks[blocks.length - 1].push(line);
  }
  const items: CheckItem[] = [];
  for (const block of blocks) {
    const severity = severityOf(block);
    if (!severity) continue;
    items.push({ severity, check: headlineOf(block[0]), text: block.join('\n').trimEnd() });
  }
  const count = (severity: Severity) => items.filter((item) => item.severity === severity).length;
  const status = items.reduce<CheckStatus>((acc, item) => worst(acc, item.severity), 'OK');
  return { status, notes: count('NOTE'), warnings: count('WARNING'), errors: count('ERROR'), items };
}

/** A result for a check that ended before R could write its log (e.g. `R CMD build` failed). */
export function errorResult(check: string, text: string): CheckResult {
  return { status: 'ERROR', notes: 0, warnings: 0, errors: 1, items: [{ severity: 'ERROR', check, text }] };
}
