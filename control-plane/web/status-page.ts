/**
 * `/status/<id>`: one row per platform with status, worker, elapsed time and result; check items
 * and downloads under each row; the console output; a Cancel button while anything is unfinished.
 * status.js refreshes the rows from `buildsFragment` and streams the output while builds run.
 */
import type { components } from '../api-types.ts';
import { html, type Html } from './html.ts';
import { layout } from './layout.ts';
import { formatElapsed as formatElapsedText } from '../formatting/elapsed.ts';

type JobInfo = components['schemas']['JobInfo'];
type Build = components['schemas']['Build'];

const UNFINISHED = ['SUBMITTED', 'QUEUED', 'RUNNING'];
/** What a queued build on a platform without a live worker says. */
const NO_WORKER = 'no worker serves this platform: the build waits until one joins';

/** Whether a build may still change. */
export function isUnfinished(build: Pick<Build, 'status'>): boolean {
  return UNFINISHED.includes(build.status);
}

/** Seconds as m:ss or h:mm:ss; a dash before the build starts. */
export function formatElapsed(seconds: number | null): string {
  return formatElapsedText(seconds, '–');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function statusCell(build: Build): Html {
  const word = html`<span class="status status-${build.status.toLowerCase()}">${build.status}</span>`;
  const attempt = build.attempt > 1 ? html` <small>(attempt ${build.attempt})</small>` : '';
  let detail: Html | string = '';
  if (build.queue) {
    const start = build.queue.estimated_start ? Math.max(0, Math.round((Date.parse(build.queue.estimated_start) - Date.now()) / 60_000)) : null;
    const when = start === null ? 'start time not known yet' : `starts in about ${start} min`;
    detail =
      build.queue.live_workers === 0
        ? html`<br /><small>${NO_WORKER}</small>`
        : html`<br /><small>${plural(build.queue.position, 'build')} ahead; ${when}</small>`;
  } else if (build.reason && build.status !== 'DONE') {
    detail = html`<br /><small>${build.reason}</small>`;
  }
  return html`${word}${attempt}${detail}`;
}

function resultCell(build: Build): Html {
  const result = build.result;
  if (!result) return html`<span class="muted">${isUnfinished(build) ? 'pending' : '–'}</span>`;
  const counts = `${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')}, ${plural(result.notes, 'note')}`;
  return html`<span class="result result-${result.status.toLowerCase()}">${result.status}</span> <small>${counts}</small>`;
}

/** The command, environment and network the check ran with, as its output starts. */
function checkSettings(build: Build): Html | string {
  const check = build.check;
  if (!check) return '';
  const added = Object.entries(check.sources).filter(([, source]) => source !== 'sandbox');
  return html`<details class="check-settings" data-platform="${build.platform}">
    <summary>Checked with: <code>${check.command.slice(0, 3).join(' ')} ${check.command.slice(3, -1).join(' ')}</code>; network ${check.network}</summary>
    <dl>
      <dt>Command</dt>
      <dd><code>${check.command.join(' ')}</code></dd>
      <dt>Environment beyond a bare check</dt>
      <dd>${added.length ? added.map(([name, source]) => html`<code>${name}=${check.env[name]}</code> <small>(${source})</small> `) : 'nothing'}</dd>
      <dt>Sandbox plumbing</dt>
      <dd>
        <code
          >${Object.entries(check.sources)
            .filter(([, source]) => source === 'sandbox')
            .map(([name]) => `${name}=${check.env[name]}`)
            .join(' ')}</code
        >
      </dd>
      <dt>Network</dt>
      <dd>${check.network === 'none' ? 'none: the check could reach no host' : "egress: outbound only, never the farm's own services or cloud metadata"}</dd>
    </dl>
  </details>`;
}

function detailsRow(jobId: string, build: Build): Html {
  const items = build.result?.items ?? [];
  const settings = checkSettings(build);
  const artifactHref = (name: string) => `/jobs/${jobId}/artifacts/${encodeURIComponent(name)}?platform=${encodeURIComponent(build.platform)}`;
  const itemList =
    items.length > 0
      ? html`<details class="check-items" data-platform="${build.platform}">
          <summary>Check items: ${plural(items.length, 'finding')}</summary>
          ${items.map(
            (item) =>
              html`<div class="item item-${item.severity.toLowerCase()}">
                <h3><span class="result result-${item.severity.toLowerCase()}">${item.severity}</span> ${item.check}</h3>
                <pre>${item.text}</pre>
              </div>`,
          )}
        </details>`
      : '';
  const downloads =
    build.artifacts.length > 0 && !isUnfinished(build)
      ? html`<div class="downloads">
          <strong id="downloads-${build.platform}">Downloads</strong>
          <ul class="artifacts" aria-labelledby="downloads-${build.platform}">
            ${build.artifacts.map(
              (artifact) =>
                html`<li>
                  <a href="${artifactHref(artifact.name)}" download="${artifact.name}">${artifact.name}</a> <small>${formatBytes(artifact.size)}</small>
                </li>`,
            )}
          </ul>
        </div>`
      : '';
  if (!itemList && !downloads && !settings) return html``;
  return html`<tr class="build-details">
    <td colspan="5">${settings}${itemList}${downloads}</td>
  </tr>`;
}

function buildRow(jobId: string, build: Build): Html {
  const worker = build.worker ? html`${build.worker.id} <small>${build.worker.r_version}</small>` : html`<span class="muted">–</span>`;
  const running = build.status === 'RUNNING' && build.elapsed_seconds !== null;
  return html`<tr class="build" data-platform="${build.platform}" data-status="${build.status}">
      <th scope="row" data-label="Platform">${build.platform}</th>
      <td data-label="Status">${statusCell(build)}</td>
      <td data-label="Worker">${worker}</td>
      <td data-label="Elapsed" class="elapsed" ${running ? html` data-elapsed="${build.elapsed_seconds}"` : ''}>${formatElapsed(build.elapsed_seconds)}</td>
      <td data-label="Result">${resultCell(build)}</td>
    </tr>
    ${detailsRow(jobId, build)}`;
}

/** The builds table: what the page shows first and what status.js fetches again and again. */
export function buildsFragment(info: JobInfo): Html {
  const unfinished = info.builds.filter(isUnfinished).length;
  return html`<table class="builds" data-unfinished="${unfinished}" data-job-status="${info.status}">
    <caption>
      ${info.package} ${info.version}:
      <span class="status status-${info.status.toLowerCase()}">${info.status}</span
      >${info.result ? html`, worst result <span class="result result-${info.result.toLowerCase()}">${info.result}</span>` : ''}
    </caption>
    <thead>
      <tr>
        <th scope="col">Platform</th>
        <th scope="col">Status</th>
        <th scope="col">Worker</th>
        <th scope="col">Elapsed</th>
        <th scope="col">Result</th>
      </tr>
    </thead>
    <tbody>
      ${info.builds.map((build) => buildRow(info.id, build))}
    </tbody>
  </table>`;
}

/** What the status page shows. */
export interface StatusPageArgs {
  readonly info: JobInfo;
  /** The platform whose output is shown first. */
  readonly outputPlatform: string;
  /** Its whole output when it has finished (null: status.js streams it). */
  readonly finishedOutput: string | null;
}

/** The whole status page. */
export function statusPage(args: StatusPageArgs): Html {
  const { info } = args;
  const unfinished = info.builds.some(isUnfinished);
  const platforms = info.builds.map((build) => build.platform);
  const chooser =
    platforms.length > 1
      ? html`<label for="output-platform">Platform</label>
          <select id="output-platform">
            ${platforms.map((platform) => html`<option value="${platform}" ${platform === args.outputPlatform ? html` selected` : ''}>${platform}</option>`)}
          </select>`
      : '';
  const body = html` <h1>${info.package} <small>${info.version}</small></h1>
    <p class="lead">
      Job <code>${info.id}</code>, submitted <time datetime="${info.submitted}">${info.submitted.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>. Keep this
      page's address: it is the only key to this job. <a href="/status/${info.id}/cran" id="cran-summary-link">CRAN pre-submission summary</a>
    </p>
    <div id="job" data-job-id="${info.id}">
      <div id="builds" aria-live="polite">${buildsFragment(info)}</div>
      <p class="actions">
        <button type="button" id="cancel-button" class="danger" ${unfinished ? '' : html` hidden`}>Cancel job</button>
        <span id="cancel-message" class="message" role="status" aria-live="polite"></span>
      </p>
    </div>
    <section class="console" aria-labelledby="output-heading">
      <h2 id="output-heading">Console output</h2>
      <div class="output-controls">
        ${chooser}
        <button type="button" id="autoscroll" aria-pressed="true">Auto-scroll: on</button>
        <span id="output-state" class="muted" role="status"></span>
      </div>
      <pre
        id="output"
        tabindex="0"
        aria-label="Console output"
        data-platform="${args.outputPlatform}"
        ${args.finishedOutput === null ? html` data-live="true"` : ''}
      >
${args.finishedOutput ?? ''}</pre>
    </section>`;
  const head = unfinished ? html`<noscript><meta http-equiv="refresh" content="5" /></noscript>` : undefined;
  return layout({ title: `${info.package} ${info.version}`, scripts: ['status.js'], head, body });
}
