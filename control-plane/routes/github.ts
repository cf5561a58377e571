/**
 * The GitHub App's webhook: deliveries of push and pull_request events start checks. Like every
 * route that takes new work it answers 503 while NATS is away or storage is short; GitHub shows
 * the failed delivery with the message, and it can be redelivered from the App's settings.
 */
import Router from '@koa/router';
import type { AppDeps } from '../app-deps.ts';
import { errors } from '../errors.ts';
import { newWorkAdmission, recordAcceptedWork } from '../health/new-work-admission.ts';
import { readBody } from '../http/body.ts';

/** GitHub caps payloads at 25 MB; push and pull_request payloads are far smaller. */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

export function githubRoutes(deps: AppDeps): Router {
  const router = new Router();

  router.post('/github/webhook', deps.validator.validate('receiveGitHubWebhook'), newWorkAdmission(deps.nats, deps.storage), async (ctx) => {
    if (!deps.github) throw errors.githubNotConfigured();
    const body = await readBody(ctx, WEBHOOK_BODY_LIMIT);
    const outcome = await deps.github.receive({
      event: ctx.get('x-github-event') || undefined,
      deliveryId: ctx.get('x-github-delivery') || undefined,
      signature: ctx.get('x-hub-signature-256') || undefined,
      body,
    });
    // The source archive is fetched later, from GitHub: its size is not known here.
    recordAcceptedWork(ctx, { uploadBytes: 0, builds: outcome.status === 'queued' ? 1 : 0 });
    ctx.status = outcome.status === 'queued' ? 202 : 200;
    ctx.body = outcome;
  });

  return router;
}
