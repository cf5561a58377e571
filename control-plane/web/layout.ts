/** The frame every page shares: head, navigation, stylesheet, scripts. No external fonts or CDNs. */
import { html, type Html } from './html.ts';

/** What a page puts into the frame. */
export interface PageArgs {
  /** The document title (escaped). */
  readonly title: string;
  /** Which navigation link is current. */
  readonly section?: 'submit' | 'platforms' | 'workers';
  /** Scripts under /static to load (deferred). */
  readonly scripts?: readonly string[];
  /** Extra head markup, e.g. a refresh for readers without JavaScript. */
  readonly head?: Html;
  readonly body: Html;
}

const NAVIGATION = [
  { section: 'submit', href: '/', label: 'Submit' },
  { section: 'platforms', href: '/platforms', label: 'Platforms' },
  { section: 'workers', href: '/workers', label: 'Workers' },
] as const;

/** A whole HTML document. */
export function layout(args: PageArgs): Html {
  const links = NAVIGATION.map((link) => html`<a href="${link.href}" ${link.section === args.section ? html` aria-current="page"` : ''}>${link.label}</a>`);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${args.title} · rfarm</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/rfarm.css" />
        ${args.head ?? ''} ${(args.scripts ?? []).map((name) => html`<script src="/static/${name}" defer></script>`)}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <a class="brand" href="/">rfarm</a>
          <nav aria-label="Main">${links}</nav>
        </header>
        <main id="main">${args.body}</main>
        <footer class="site"><a href="/openapi.json">HTTP API</a> · R package build-and-check farm</footer>
      </body>
    </html> `;
}
