/** Plain-text views for the terminal: aligned tables of jobs, platforms and workers. */
import type { Build, JobInfo, PlatformView, Worker } from './farm-client.ts';
import { formatElapsed } from '../control-plane/formatting/elapsed.ts';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "WARNING (0 errors, 1 warning, 0 notes)", or why there is no result. */
export function resultText(build: Build): string {
  const result = build.result;
  if (!result && build.queue?.live_workers === 0) return 'no worker serves this platform: the build waits until one joins';
  if (!result) return build.reason ?? (build.queue ? `${plural(build.queue.position, 'build')} ahead in the queue` : '-');
  return `${result.status} (${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}, ${plural(result.notes, 'note')})`;
}

/** A job: headline, status URL, one line per build, and the findings of builds that have any. */
export function jobView(info: JobInfo): string {
  const rows = [
    ['PLATFORM', 'STATUS', 'WORKER', 'ELAPSED', 'RESULT'],
    ...info.builds.map((build) => [build.platform, build.status, build.worker?.id ?? '-', formatElapsed(build.elapsed_seconds), resultText(build)]),
  ];
  const findings = info.builds.flatMap((build) =>
    (build.result?.items ?? []).map((item) => `  ${build.platform}: ${item.severity} ${item.check}\n${item.text.replace(/^/gm, '      ')}`),
  );
  const headline = `${info.package} ${info.version}: ${info.status}${info.result ? `, worst result ${info.result}` : ''}`;
  const checks = info.builds.flatMap((build) => (build.check ? [`  ${build.platform}:`, ...checkLines(build.check).map((line) => `    ${line}`)] : []));
  return [
    headline,
    info.url,
    '',
    table(rows),
    ...(checks.length ? ['', 'Checked with:', ...checks] : []),
    ...(findings.length ? ['', 'Findings:', ...findings] : []),
  ].join('\n');
}

/** A build's check settings as the output states them: the command, what was set beyond a bare check, the network. */
export function checkLines(check: NonNullable<Build['check']>): string[] {
  const added = Object.entries(check.sources).filter(([, source]) => source !== 'sandbox');
  return [
    `command      ${check.command.join(' ')}`,
    `environment  ${added.length ? added.map(([name, source]) => `${name}=${check.env[name]} (${source})`).join(', ') : 'nothing beyond a bare R CMD check'}`,
    `network      ${check.network}`,
  ];
}

export function platformsView(platforms: readonly PlatformView[]): string {
  const rows = [
    ['PLATFORM', 'LIVE', 'DEFAULT', 'DESCRIPTION'],
    ...platforms.map((platform) => [platform.id, String(platform.live_workers), platform.default ? 'yes' : '', platform.description]),
  ];
  return table(rows);
}

export function workersView(workers: readonly Worker[]): string {
  if (workers.length === 0) return 'no live workers';
  const rows = [
    ['WORKER', 'PLATFORM', 'R', 'HOST', 'BUILD'],
    ...workers.map((worker) => [worker.id, worker.platform, worker.r_version, worker.host, worker.current_build ?? 'idle']),
  ];
  return table(rows);
}
