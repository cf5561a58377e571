/**
 * rfarm's build records and output in r-hub 1.x terms: status documents with the fields the 1.x
 * client reads (`check_print2()`, `make_check_list()`, `cran_summary()`), and the live log with the
 * section markers its console parser (`make_status_parser()`) looks for. Pure functions.
 */
import { isTerminal, type BuildRecord, type CheckItem, type JobRecord } from '../../protocol/index.ts';
import type { RhubPlatform } from './rhub-platforms.ts';
import type { RhubCheckRecord } from './rhub-store.ts';

/** The 1.x status values. `parseerror` is never produced: rfarm parses 00check.log itself. */
export type RhubStatusValue = 'created' | 'in-progress' | 'ok' | 'note' | 'warning' | 'error' | 'preperror' | 'aborted';

export interface RhubResult {
  readonly status: RhubStatusValue;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}

/** One check's status document, as r-hub's `/api/status` answered it. */
export interface RhubStatusDocument {
  readonly id: string;
  readonly group: string;
  readonly email: string;
  readonly package: string;
  readonly version: string;
  readonly submitted: string;
  readonly platform: RhubPlatform;
  readonly status: RhubStatusValue;
  readonly started: string | null;
  /** Milliseconds; null until the build has finished (the client prints details only then). */
  readonly build_time: number | null;
  readonly builder_machine: string | null;
  readonly result: RhubResult | null;
  readonly check_output: string | null;
  readonly preperror_log: string | null;
}

/** The r-hub status of a build: unfinished, the check's verdict, or how it ended without one. */
export function rhubStatusOf(build: BuildRecord): RhubStatusValue {
  switch (build.status) {
    case 'SUBMITTED':
    case 'QUEUED':
      return 'created';
    case 'RUNNING':
      return 'in-progress';
    // r-hub ran on Jenkins, where a build stopped by its timeout is ABORTED, as a cancelled one.
    case 'CANCELLED':
    case 'TIMEOUT':
      return 'aborted';
    default:
      return build.result ? (build.result.status.toLowerCase() as RhubStatusValue) : 'preperror';
  }
}

const RFARM_MARKER = /^>>> rfarm: (.*)$/;
/** What the 1.x console parser treats as a section header; `Running R CMD check` starts the check. */
const RHUB_MARKER = '>>>>>=====';

/** Output lines with rfarm's section markers rewritten as r-hub's. */
export function rhubLines(output: string): string[] {
  const lines = output.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => {
    const title = RFARM_MARKER.exec(line)?.[1];
    if (title === undefined) return line;
    return title === 'R CMD check' ? `${RHUB_MARKER} Running R CMD check` : `${RHUB_MARKER} ${title}`;
  });
}

/** The last line of a finished live log, in Jenkins' words, which the 1.x client looks for. */
export function finishedLine(build: BuildRecord): string {
  const status = rhubStatusOf(build);
  if (status === 'aborted') return 'Finished: ABORTED';
  if (status === 'preperror') return 'Finished: ERROR';
  return status === 'error' ? 'Finished: FAILURE' : 'Finished: SUCCESS';
}

/** One page of `/api/livelog/text/<id>`. `size` is the line offset the client sends back as `start`. */
export interface LivelogPage {
  readonly text: readonly string[];
  readonly more: boolean;
  readonly size: number;
}

/**
 * The lines after `start`. While the build runs, only complete lines (a partial last line comes
 * whole next time); once it is over, the rest and a `Finished:` line. The final page is never
 * empty: the 1.x client reads its last line.
 */
export function livelogPage(output: string, start: number, finished: string | null): LivelogPage {
  const from = Math.max(0, Math.floor(start) || 0);
  if (finished === null) {
    const complete = output.slice(0, output.lastIndexOf('\n') + 1);
    const lines = rhubLines(complete);
    return { text: lines.slice(from), more: true, size: Math.max(from, lines.length) };
  }
  const lines = [...rhubLines(output), finished];
  const text = lines.slice(from);
  return { text: text.length > 0 ? text : [finished], more: false, size: lines.length };
}

function itemsOf(items: readonly CheckItem[], severity: CheckItem['severity']): string[] {
  return items.filter((item) => item.severity === severity).map((item) => item.text);
}

/** The R CMD check part of the output, from its section marker to the next one. */
function checkSection(output: string): string {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line === '>>> rfarm: R CMD check');
  if (start < 0) return output;
  const end = lines.findIndex((line, index) => index > start && RFARM_MARKER.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

const PREPERROR_LINES = 200;

/**
 * A check's status document. `output` is the build's latest attempt, used once it is over; null
 * leaves the logs out (lists, which the client shows as a table).
 */
export function rhubStatusDocument(
  check: RhubCheckRecord,
  job: JobRecord,
  build: BuildRecord,
  platform: RhubPlatform,
  output: string | null,
): RhubStatusDocument {
  const status = rhubStatusOf(build);
  const over = isTerminal(build.status);
  const from = build.startedAt ?? build.queuedAt ?? build.submittedAt;
  const items = build.result?.items ?? [];
  const withoutCheck = status === 'preperror' || status === 'aborted';
  return {
    id: check.id,
    group: check.group,
    email: check.email,
    package: job.package,
    version: job.version,
    submitted: job.submittedAt,
    platform,
    status,
    started: build.startedAt,
    // Never 0 once over: the client treats 0 like "not finished" and would print nothing.
    build_time: over ? Math.max(1, Date.parse(build.finishedAt ?? new Date().toISOString()) - Date.parse(from)) : null,
    builder_machine: build.worker ? `${build.worker.host} (${build.worker.id})` : null,
    result: over ? { status, notes: itemsOf(items, 'NOTE'), warnings: itemsOf(items, 'WARNING'), errors: itemsOf(items, 'ERROR') } : null,
    check_output: over && output !== null ? checkSection(output) : null,
    preperror_log: over && withoutCheck && output !== null ? [...rhubLines(output).slice(-PREPERROR_LINES), build.reason ?? ''].join('\n') : null,
  };
}
