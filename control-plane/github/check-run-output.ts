/**
 * What a finished build says on GitHub: the check run's conclusion (by the repository's
 * `error_on`) and its output, a summary of the findings with the status URL. Pure functions.
 */
import type { BuildRecord, CheckStatus } from '../../protocol/index.ts';
import type { CheckRunFields } from './github-client.ts';
import type { ErrorOn } from './repository-config.ts';

/** GitHub cuts a check run's summary at 65,535 characters; stay well below. */
const SUMMARY_LIMIT = 60_000;
const ITEM_LIMIT = 4_000;
const RANK: Record<CheckStatus, number> = { OK: 0, NOTE: 1, WARNING: 2, ERROR: 3 };
const ERROR_ON_RANK: Record<ErrorOn, number> = { note: 1, warning: 2, error: 3 };

/** The check run's name for one platform. */
export function checkRunName(platform: string): string {
  return `rfarm (${platform})`;
}

/** success / failure by the check's verdict; the farm's own failures as GitHub names them. */
export function conclusionOf(build: BuildRecord, errorOn: ErrorOn): NonNullable<CheckRunFields['conclusion']> {
  if (build.status === 'TIMEOUT') return 'timed_out';
  if (build.status === 'CANCELLED') return 'cancelled';
  if (build.status !== 'DONE' || !build.result) return 'failure';
  return RANK[build.result.status] >= ERROR_ON_RANK[errorOn] ? 'failure' : 'success';
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The title and summary of a finished build's check run. */
export function finishedOutput(build: BuildRecord, statusUrl: string): NonNullable<CheckRunFields['output']> {
  const result = build.result;
  const title =
    build.status === 'DONE' && result
      ? `R CMD check: ${result.status} (${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}, ${plural(result.notes, 'note')})`
      : `The farm could not finish the check: ${build.status}`;
  const lines = [`**${title}** on \`${build.platform}\`.`, '', `Console output, check logs and the built packages: ${statusUrl}`, ''];
  if (build.reason) lines.push(`Reason: ${build.reason}`, '');
  for (const item of result?.items ?? []) {
    const text = item.text.length > ITEM_LIMIT ? `${item.text.slice(0, ITEM_LIMIT)}\n… (cut; the whole text is in 00check.log)` : item.text;
    lines.push(`### ${item.severity}: ${item.check}`, '', '```', text.replaceAll('```', "'''"), '```', '');
  }
  let summary = lines.join('\n');
  if (summary.length > SUMMARY_LIMIT) summary = `${summary.slice(0, SUMMARY_LIMIT)}\n\n… (more findings on the status page)`;
  return { title, summary };
}
