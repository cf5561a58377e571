/** `/platforms` for a browser: the catalogue and live local platforms, read-only. */
import type { components } from '../api-types.ts';
import { html, type Html } from './html.ts';
import { layout } from './layout.ts';

type PlatformView = components['schemas']['PlatformView'];

/** A table of platforms with their live-worker counts; defaults marked. */
export function platformsPage(platforms: readonly PlatformView[], defaults: readonly string[]): Html {
  const rows = platforms.map(
    (platform) =>
      html`<tr>
        <th scope="row" data-label="Platform">
          <span class="platform-id">${platform.id}</span>${defaults.includes(platform.id) ? html` <span class="badge">default</span>` : ''}<br /><small
            >${platform.description}</small
          >
        </th>
        <td data-label="System">${platform.distribution} ${platform.release} (${platform.arch})</td>
        <td data-label="R">${platform.r_flavour}</td>
        <td data-label="Compiler">${platform.compiler}</td>
        <td data-label="Live workers">
          ${platform.live_workers > 0 ? html`<span class="badge live">${platform.live_workers}</span>` : html`<span class="badge idle">0</span>`}
        </td>
      </tr>`,
  );
  const body = html` <h1>Platforms</h1>
    <p class="lead">
      Where this farm can check a package. Builds for a platform without a live worker wait in the queue until one joins. The same list as JSON:
      <code>GET /platforms</code> with <code>Accept: application/json</code>.
    </p>
    <table class="listing">
      <thead>
        <tr>
          <th scope="col">Platform</th>
          <th scope="col">System</th>
          <th scope="col">R</th>
          <th scope="col">Compiler</th>
          <th scope="col">Live workers</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
  return layout({ title: 'Platforms', section: 'platforms', body });
}
