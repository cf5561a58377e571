/**
 * The web pages: upload (`/`), the status page (`/status/<id>`), read-only platform and worker
 * views (`/platforms` and `/workers` when a browser asks for HTML; the JSON API keeps those paths
 * otherwise) and the pages' static files. Pages read the same services as the API and send the
 * same requests from the browser, so there is one behaviour to test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AppDeps } from '../app-deps.ts';
import { FarmError, errors } from '../errors.ts';
import { presentPlatform, presentWorker } from '../http/presenters.ts';
import type { Html } from '../web/html.ts';
import { notFoundPage } from '../web/not-found-page.ts';
import { platformsPage } from '../web/platforms-page.ts';
import { buildsFragment, isUnfinished, statusPage } from '../web/status-page.ts';
import { uploadPage } from '../web/upload-page.ts';
import { workersPage } from '../web/workers-page.ts';
import { jobInfo } from './jobs.ts';

const STATIC_DIR = fileURLToPath(new URL('../web/static/', import.meta.url));
const STATIC_TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/** Pages load only our own files and talk only to this farm; nothing inline runs. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The status URL is the job's only key: never hand it to another site.
  'Referrer-Policy': 'no-referrer',
};

/** The static files, read once: a fixed set, so no request path ever reaches the file system. */
function loadStaticFiles(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(STATIC_DIR)) {
    const type = STATIC_TYPES[extname(name)];
    if (type) files.set(name, { type, body: readFileSync(join(STATIC_DIR, name)) });
  }
  return files;
}

/** Sends a page with the pages' security headers, never cached. */
export function sendPage(ctx: Context, page: Html, status = 200): void {
  ctx.set(PAGE_HEADERS);
  ctx.set('Cache-Control', 'no-store');
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page.text;
}

/** Whether the client prefers a page to JSON (a browser's Accept header; curl's `*\/*` gets JSON). */
function wantsHtml(ctx: Context): boolean {
  ctx.vary('Accept');
  return ctx.accepts('application/json', 'text/html') === 'text/html';
}

export function pageRoutes(deps: AppDeps): Router {
  const router = new Router();
  const files = loadStaticFiles();

  const platformViews = async () => {
    const available = await deps.platforms.available();
    const defaults = await deps.platforms.choose([]).catch((error) => {
      if (error instanceof FarmError && error.code === 'no_platforms') return [];
      throw error;
    });
    return { platforms: available.map((entry) => presentPlatform(entry.platform, entry.liveWorkers)), defaults };
  };

  router.get('/', async (ctx) => {
    const { platforms, defaults } = await platformViews();
    const away = deps.nats.problem;
    const full = deps.storage.lastProblem;
    const refusing = away
      ? `The farm cannot take packages right now: ${away}.`
      : full
        ? `The farm is out of storage space and takes no new packages until its admin frees some (${full}); builds already accepted still run.`
        : null;
    sendPage(
      ctx,
      uploadPage({
        platforms,
        defaults,
        uploadLimitBytes: deps.config.uploadLimitBytes,
        publicUrl: deps.config.publicUrl,
        mailEnabled: deps.mailer !== null,
        refusing,
      }),
    );
  });

  router.get('/status/:id', async (ctx) => {
    const snapshot = await deps.jobs.get(ctx.params.id).catch((error) => {
      // A browser gets the "no such job" page; an API client asking for JSON gets the JSON error.
      if (error instanceof FarmError && error.code === 'job_not_found' && ctx.accepts('html', 'json') === 'html') return null;
      throw error;
    });
    if (!snapshot) return sendPage(ctx, notFoundPage(ctx.params.id), 404);
    const info = await jobInfo(deps, snapshot);
    const requested = info.builds.find((build) => build.platform === ctx.query.platform);
    const shown = requested ?? info.builds.find((build) => build.status === 'RUNNING') ?? info.builds[0];
    const record = snapshot.builds.find((build) => build.platform === shown.platform)!;
    const finishedOutput = isUnfinished(shown) ? null : await deps.output.latestAttempt(record);
    sendPage(ctx, statusPage({ info, outputPlatform: shown.platform, finishedOutput }));
  });

  // The rows of the status page alone, for status.js to swap in: one renderer, escaped on the server.
  router.get('/status/:id/builds', async (ctx) => {
    const info = await jobInfo(deps, await deps.jobs.get(ctx.params.id));
    sendPage(ctx, buildsFragment(info));
  });

  router.get('/platforms', async (ctx: Context, next: Next) => {
    if (!wantsHtml(ctx)) return next();
    const { platforms, defaults } = await platformViews();
    sendPage(ctx, platformsPage(platforms, defaults));
  });

  router.get('/workers', async (ctx: Context, next: Next) => {
    if (!wantsHtml(ctx)) return next();
    sendPage(ctx, workersPage((await deps.workers.list()).map(presentWorker)));
  });

  router.get('/static/:name', (ctx) => {
    const file = files.get(ctx.params.name);
    if (!file) throw errors.routeNotFound(ctx.method, ctx.path);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.type = file.type;
    ctx.body = file.body;
  });

  return router;
}
