/** `/`: upload a source package, choose platforms, optionally leave an e-mail address. */
import type { components } from '../api-types.ts';
import { html, type Html } from './html.ts';
import { layout } from './layout.ts';

type PlatformView = components['schemas']['PlatformView'];

/** What the upload page shows. */
export interface UploadPageArgs {
  /** Every platform a submission may name, with live-worker counts. */
  readonly platforms: readonly PlatformView[];
  /** Preselected: what the API would choose when none is named. */
  readonly defaults: readonly string[];
  /** The largest upload the farm takes, so the page can refuse a bigger file before sending it. */
  readonly uploadLimitBytes: number;
  /** Where this farm is reached, for the command-line hint. */
  readonly publicUrl: string;
  /** The farm can send mail (FARM_SMTP_URL): only then is the e-mail field offered. */
  readonly mailEnabled: boolean;
  /** Why the farm takes no new work now (out of storage, NATS away), said above the form; null when it does. */
  readonly refusing?: string | null;
}

function workerCount(count: number): Html {
  if (count === 0) return html`<span class="badge idle">no live worker</span>`;
  return html`<span class="badge live">${count} live worker${count === 1 ? '' : 's'}</span>`;
}

function platformChoice(platform: PlatformView, checked: boolean): Html {
  return html`<label class="choice">
    <input type="checkbox" name="platform" value="${platform.id}" ${checked ? html` checked` : ''} />
    <span><span class="platform-id">${platform.id}</span> ${workerCount(platform.live_workers)}<br /><small>${platform.description}</small></span>
  </label>`;
}

/** The upload form; upload.js sends it to PUT /jobs/submit/tarball and opens the status page. */
export function uploadPage(args: UploadPageArgs): Html {
  const live = args.platforms.filter((platform) => platform.live_workers > 0 || args.defaults.includes(platform.id));
  const idle = args.platforms.filter((platform) => !live.includes(platform));
  const body = html` <h1>Check an R package</h1>
    <p class="lead">
      Upload a source package — the <code>.tar.gz</code> that <code>R CMD build</code> makes — and the farm runs <code>R CMD check</code> on each platform you
      pick. You get a private status page to watch it live.
    </p>
    ${args.refusing ? html`<p class="message error" id="farm-refusing" role="alert">${args.refusing}</p>` : ''}
    <form id="submit-form" data-upload-limit="${args.uploadLimitBytes}" novalidate>
      <div class="drop-zone" id="drop-zone">
        <label for="package">Package source (.tar.gz)</label>
        <input type="file" id="package" name="package" accept=".tar.gz,.tgz,application/gzip,application/x-gzip" required aria-describedby="drop-hint" />
        <p id="drop-hint" class="hint">Choose the file, or drag and drop it here.</p>
      </div>
      <fieldset>
        <legend>Platforms</legend>
        ${live.length === 0 ? html`<p class="hint">No platform has a live worker right now; builds wait in the queue until one joins.</p>` : ''}
        ${live.map((platform) => platformChoice(platform, args.defaults.includes(platform.id)))}
        ${
          idle.length > 0
            ? html`<details class="more-platforms">
                <summary>More platforms without a live worker (${idle.length})</summary>
                <p class="hint">Builds for these wait in the queue until a worker for them joins the farm.</p>
                ${idle.map((platform) => platformChoice(platform, false))}
              </details>`
            : ''
        }
      </fieldset>
      <fieldset>
        <legend>Check options</legend>
        <p class="hint">Without options the check is a bare <code>R CMD check</code>: the farm sets nothing beyond what R sets itself.</p>
        <label class="choice"
          ><input type="checkbox" id="as-cran" name="as_cran" value="1" />
          <span
            ><code>--as-cran</code><br /><small
              >CRAN's incoming checks, as <code>R CMD check --as-cran</code> runs them (<code>NOT_CRAN</code> stays unset).</small
            ></span
          ></label
        >
        <label class="choice"
          ><input type="checkbox" id="revdeps" name="revdeps" value="1" />
          <span
            >Check reverse dependencies<br /><small
              >Each package that depends on this one (in the farm's repositories) is checked on the first platform against the published version and against
              this one; the CRAN pre-submission summary says which ones this version newly breaks.</small
            ></span
          ></label
        >
        <label class="choice"
          ><input type="checkbox" id="revdeps-suggests" name="revdeps_which" value="most" />
          <span
            >… including those that only suggest it<br /><small
              >Reverse dependencies through <code>Suggests</code> too (R's <code>which = "most"</code>); by default only <code>Depends</code>,
              <code>Imports</code> and <code>LinkingTo</code>, as CRAN.</small
            ></span
          ></label
        >
        <div class="field">
          <label for="env-vars"
            >Environment variables <span class="hint">(optional, one <code>NAME=VALUE</code> per line)</span></label
          >
          <textarea id="env-vars" name="env_vars" rows="3" spellcheck="false" aria-describedby="env-hint" placeholder="NOT_CRAN=true"></textarea>
          <p id="env-hint" class="hint">
            Allowed: <code>_R_CHECK_*</code>, <code>NOT_CRAN</code>, <code>TZ</code>, <code>LANGUAGE</code> and a few more; the farm says which it refuses.
          </p>
        </div>
      </fieldset>
      ${
        args.mailEnabled
          ? html`<div class="field">
              <label for="email">E-mail <span class="hint">(optional)</span></label>
              <input type="email" id="email" name="email" maxlength="254" autocomplete="email" aria-describedby="email-hint" />
              <p id="email-hint" class="hint">Where to send the result when the builds finish.</p>
            </div>`
          : ''
      }
      <button type="submit" id="submit-button">Submit package</button>
      <p id="submit-message" class="message" role="status" aria-live="polite"></p>
    </form>
    <section class="other-ways">
      <h2>From a terminal</h2>
      <pre><code>rfarm submit mypkg_1.0.0.tar.gz --follow --server ${args.publicUrl}
curl -T mypkg_1.0.0.tar.gz -H 'Content-Type: application/gzip' ${args.publicUrl}/jobs/submit/tarball</code></pre>
    </section>`;
  return layout({ title: 'Submit a package', section: 'submit', scripts: ['upload.js'], body });
}
