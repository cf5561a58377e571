/**
 * `/status/<id>/cran`: the CRAN pre-submission summary on one page — the job's result and
 * findings on every platform, then (with `revdeps=true`) one row per reverse dependency with its
 * verdict, its two checks and the findings that appeared or went. The same data as
 * `GET /jobs/<id>/cran-summary`; refreshes itself (without JavaScript) while anything is pending.
 */
import type { components } from '../api-types.ts';
import { html, type Html } from './html.ts';
import { layout } from './layout.ts';

type CranSummary = components['schemas']['CranSummary'];
type RevdepResult = components['schemas']['RevdepResult'];
type CheckItem = components['schemas']['CheckItem'];

const VERDICT_CLASS: Record<RevdepResult['verdict'], string> = {
  unchanged: 'result-ok',
  'newly broken': 'result-error',
  fixed: 'result-note',
  pending: 'status-queued',
  failed: 'status-failed',
  'needs new version': 'result-note',
};

function findings(items: readonly CheckItem[]): Html {
  return html`${items.map(
    (item) =>
      html`<div class="item item-${item.severity.toLowerCase()}">
        <h3><span class="result result-${item.severity.toLowerCase()}">${item.severity}</span> ${item.check}</h3>
        <pre>${item.text}</pre>
      </div>`,
  )}`;
}

function platformSection(platform: CranSummary['platforms'][number]): Html {
  const result = platform.result;
  const verdict = result
    ? html`<span class="result result-${result.status.toLowerCase()}">${result.status}</span>
        <small>${result.errors} errors, ${result.warnings} warnings, ${result.notes} notes</small>`
    : html`<span class="status status-${platform.status.toLowerCase()}">${platform.status}</span
        >${platform.reason ? html` <small>${platform.reason}</small>` : ''}`;
  return html`<section class="platform-summary" data-platform="${platform.platform}">
    <h3>${platform.platform}: ${verdict}</h3>
    ${result ? findings(result.items) : ''}
  </section>`;
}

function revdepRow(result: RevdepResult): Html {
  const side = (label: string, build: RevdepResult['published']) =>
    build === null
      ? html`${label}: <span class="muted">not checked (needs the new version)</span>`
      : html`<a href="${build.url}">${label}</a>:
          ${build.result ? html`<span class="result result-${build.result.toLowerCase()}">${build.result}</span>` : html`<span class="status status-${build.status.toLowerCase()}">${build.status}</span>`}`;
  const diff =
    result.appeared.length + result.disappeared.length > 0
      ? html`<details class="revdep-diff">
          <summary>
            ${result.published === null ? `${result.appeared.length} findings against the submitted version` : `${result.appeared.length} findings appeared, ${result.disappeared.length} went`}
          </summary>
          ${
            result.appeared.length
              ? html`<h4>Only against the submitted version</h4>
                  ${findings(result.appeared)}`
              : ''
          }
          ${
            result.disappeared.length
              ? html`<h4>Only against the published version</h4>
                  ${findings(result.disappeared)}`
              : ''
          }
        </details>`
      : '';
  return html`<tr class="revdep" data-package="${result.package}" data-verdict="${result.verdict}">
    <th scope="row">${result.package} <small>${result.version}</small></th>
    <td><span class="status ${VERDICT_CLASS[result.verdict]}">${result.verdict}</span>${result.reason ? html`<br /><small>${result.reason}</small>` : ''}</td>
    <td>${side('published', result.published)}<br />${side('submitted', result.submitted)}</td>
    <td><small>${result.fields.join(', ')} · ${result.repository}</small>${diff}</td>
  </tr>`;
}

function revdepSection(report: NonNullable<CranSummary['revdeps']>): Html {
  const { counts } = report;
  return html`<section class="revdeps" aria-labelledby="revdeps-heading" data-state="${report.state}">
    <h2 id="revdeps-heading">Reverse dependencies on ${report.platform}</h2>
    <p>
      ${report.state === 'finding' ? 'Looking for reverse dependencies…' : html`${report.packages.length} found in ${report.repositories.join(', ')}: <strong>${counts.newly_broken} newly broken</strong>, ${counts.unchanged} unchanged, ${counts.fixed} fixed${counts.pending ? `, ${counts.pending} pending` : ''}${counts.failed ? `, ${counts.failed} could not be compared` : ''}${counts.needs_new_version ? `, ${counts.needs_new_version} need the new version (not comparable)` : ''}. Through ${report.which === 'most' ? 'Depends, Imports, LinkingTo and Suggests' : 'Depends, Imports and LinkingTo'}.`}
    </p>
    ${report.problem ? html`<p class="message">${report.problem}</p>` : ''}
    ${
      report.packages.length
        ? html`<table class="listing revdeps-table">
            <thead>
              <tr>
                <th scope="col">Package</th>
                <th scope="col">Verdict</th>
                <th scope="col">Checks</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              ${report.packages.map(revdepRow)}
            </tbody>
          </table>`
        : ''
    }
  </section>`;
}

/** The whole summary page. */
export function cranSummaryPage(summary: CranSummary): Html {
  const body = html` <h1>${summary.package} <small>${summary.version}</small>: CRAN pre-submission summary</h1>
    <p class="lead">
      Job <a href="${summary.url}"><code>${summary.id}</code></a> ·
      <a href="/jobs/${summary.id}/cran-summary">as JSON</a>${summary.complete ? '' : ' · still running; this page refreshes'}
    </p>
    <section aria-labelledby="platforms-heading">
      <h2 id="platforms-heading">Check results</h2>
      ${summary.platforms.map(platformSection)}
    </section>
    ${summary.revdeps ? revdepSection(summary.revdeps) : html`<p class="muted">Reverse dependencies were not checked (submit with <code>revdeps=true</code>, <code>rfarm submit --revdeps</code>).</p>`}`;
  const head = summary.complete ? undefined : html`<meta http-equiv="refresh" content="10" />`;
  return layout({ title: `${summary.package} ${summary.version}: CRAN summary`, head, body });
}
