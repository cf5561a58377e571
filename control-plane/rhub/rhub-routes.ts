/**
 * The r-hub 1.x HTTP API under `/api`, as the `rhub` R client 1.1.2 calls it (its R/api.R lists
 * the endpoints), so `RHUB_SERVER=https://your-farm` is all an old script needs. Errors under
 * `/api/` take r-hub's `{ status: "error", message }` shape in the one error middleware.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../app-deps.ts';
import { errors } from '../errors.ts';
import { newWorkAdmission, recordAcceptedWork } from '../health/new-work-admission.ts';
import { jsonBody } from '../http/body.ts';
import { RhubChecks } from './rhub-checks.ts';
import { RhubStore, rhubIdHex } from './rhub-store.ts';
import { RhubTokens } from './rhub-tokens.ts';

function body(ctx: Context): Record<string, unknown> {
  const value = ctx.state.jsonBody;
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.invalidRequest('send a JSON object as the body (Content-Type: application/json)');
  }
  return value as Record<string, unknown>;
}

/** The token of `Authorization: token <token>`, the header the 1.x client sends to list routes. */
function authorizationToken(ctx: Context): string | undefined {
  return /^token\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1];
}

function ids(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100 || !list.every((id) => typeof id === 'string')) {
    throw errors.invalidRequest("'id' must be a check id or a list of at most 100 check ids");
  }
  return list;
}

export function rhubRoutes(deps: AppDeps): Router {
  const store = new RhubStore(deps.farm.jobs);
  const tokens = new RhubTokens(store, deps.config.rhub, deps.mailer, deps.config.publicUrl);
  const checks = new RhubChecks(deps, store, tokens);
  // The package travels base64-encoded inside the JSON: 4 bytes for every 3, plus the other fields.
  const submitLimit = Math.ceil(deps.config.uploadLimitBytes / 3) * 4 + 64 * 1024;
  const router = new Router();

  router.get('/api/platform/list', async (ctx) => {
    ctx.body = await checks.platformList();
  });

  router.post('/api/check/validate_email', jsonBody(16 * 1024), async (ctx) => {
    ctx.body = await tokens.requestToken(body(ctx).email);
  });

  router.post('/api/check/submit', newWorkAdmission(deps.nats, deps.storage), deps.uploads.admission(submitLimit), jsonBody(submitLimit), async (ctx) => {
    const submitted = await checks.submit(body(ctx));
    // The package travels base64-encoded in the JSON body: its length overstates the upload a little.
    recordAcceptedWork(ctx, { uploadBytes: ctx.request.length ?? 0, builds: Object.keys(submitted).length });
    ctx.status = 201;
    ctx.body = submitted;
  });

  router.post('/api/status', jsonBody(64 * 1024), async (ctx) => {
    ctx.body = await checks.statusByIds(ids(body(ctx).id));
  });

  router.get('/api/status/group/:group', async (ctx) => {
    ctx.body = await checks.groupStatus(ctx.params.group);
  });

  router.get('/api/status/:id', async (ctx) => {
    ctx.body = (await checks.statusByIds([ctx.params.id]))[0];
  });

  const list = async (ctx: Context, packageName: string | null) => {
    const email = await tokens.verify(ctx.params.email, authorizationToken(ctx));
    ctx.body = await checks.list(email, packageName);
  };
  router.get('/api/list/:email', (ctx) => list(ctx, null));
  router.get('/api/list/:email/:package', (ctx) => list(ctx, ctx.params.package));

  router.get('/api/livelog/text/:id', async (ctx) => {
    const start = Number(ctx.query.start ?? 0);
    if (!Number.isFinite(start) || start < 0) throw errors.invalidRequest("'start' must be a line offset ≥ 0, the 'size' of the previous answer");
    ctx.body = await checks.livelog(ctx.params.id, start);
  });

  // The 1.x client opens <server>/status/<check id> (ch$browse()) and lists
  // <server>/status/original/<check id> (ch$urls()): send both to rfarm's own pages.
  router.get('/status/original/:id', async (ctx, next) => {
    if (!rhubIdHex(ctx.params.id)) return next();
    const check = await checks.check(ctx.params.id);
    ctx.redirect(`${deps.config.publicUrl}/jobs/output/${check.jobId}?platform=${check.platform}`);
  });
  router.get('/status/:id', async (ctx, next) => {
    if (!rhubIdHex(ctx.params.id)) return next();
    const check = await checks.check(ctx.params.id);
    ctx.redirect(`${deps.config.publicUrl}/status/${check.jobId}`);
  });

  return router;
}
