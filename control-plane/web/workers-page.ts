/**
 * `/workers` for a browser: live workers, read-only. Adding and removing workers stays behind the
 * admin token in the JSON API; this page shows nothing a job's status page does not already show.
 */
import type { components } from '../api-types.ts';
import { html, type Html } from './html.ts';
import { layout } from './layout.ts';
import { formatElapsed } from './status-page.ts';

type Worker = components['schemas']['Worker'];

/** A table of live workers and what each is doing. */
export function workersPage(workers: readonly Worker[], now = Date.now()): Html {
  const rows = workers.map(
    (worker) =>
      html`<tr>
        <th scope="row" data-label="Worker">${worker.id}<br /><small>${worker.host}</small></th>
        <td data-label="Platform"><span class="platform-id">${worker.platform}</span></td>
        <td data-label="R">${worker.r_version} <small>${worker.compiler}</small></td>
        <td data-label="Up for">${formatElapsed((now - Date.parse(worker.started)) / 1000)}</td>
        <td data-label="Doing">${worker.current_build ? html`<span class="status status-running">busy</span>` : html`<span class="muted">idle</span>`}</td>
      </tr>`,
  );
  const body = html` <h1>Workers</h1>
    <p class="lead">
      Build hosts with a live heartbeat. Adding and removing workers needs the admin token: <code>PUT /worker</code>, <code>DELETE /worker/&lt;id&gt;</code>.
    </p>
    ${
      workers.length === 0
        ? html`<p class="message">No live workers: submitted builds wait in the queue until one joins.</p>`
        : html`<table class="listing">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Platform</th>
                <th scope="col">R</th>
                <th scope="col">Up for</th>
                <th scope="col">Doing</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
    }`;
  return layout({ title: 'Workers', section: 'workers', body });
}
