/** The page for a status URL that names no job: says so plainly, and what to do. */
import { html, type Html } from './html.ts';
import { layout } from './layout.ts';

/** "No such job" for `/status/<id>`; the route answers it with status 404. */
export function notFoundPage(id: string): Html {
  const body = html` <h1>No such job</h1>
    <p class="lead">There is no job with id <code>${id}</code> on this farm.</p>
    <p>
      Check that the address is the whole status URL you were given when you submitted: it ends in a 32-character id. Jobs also disappear when the farm's
      administrator clears old ones.
    </p>
    <p><a href="/">Submit a package</a></p>`;
  return layout({ title: 'No such job', body });
}
