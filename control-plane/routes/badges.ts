/**
 * Badges for READMEs: a package's latest check result (on one platform, or the worst across
 * them) and its version in the farm's repository, as SVG. Cacheable for a minute with an ETag,
 * so GitHub's image proxy and browsers revalidate cheaply.
 */
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../app-deps.ts';
import { checkBadge, newestVersion, versionBadge } from '../badges/index.ts';

/** Badges change when a build finishes; a minute keeps them fresh without every view reaching NATS. */
const MAX_AGE_SECONDS = 60;

function sendSvg(ctx: Context, svg: string): void {
  ctx.status = 200;
  ctx.type = 'image/svg+xml; charset=utf-8';
  ctx.set('Cache-Control', `public, max-age=${MAX_AGE_SECONDS}`);
  ctx.set('X-Content-Type-Options', 'nosniff');
  // An SVG is a document: no scripts, no outside resources, even when opened on its own.
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  ctx.etag = createHash('sha256').update(svg).digest('base64url').slice(0, 27);
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = svg;
}

export function badgeRoutes(deps: AppDeps): Router {
  const router = new Router();
  const { validator } = deps;

  router.get('/badges/check/:package', validator.validate('getCheckBadge'), async (ctx) => {
    sendSvg(ctx, checkBadge('R CMD check', await deps.latestResults.forPackage(ctx.params.package)));
  });

  router.get('/badges/check/:package/:platform', validator.validate('getPlatformCheckBadge'), async (ctx) => {
    const result = await deps.latestResults.get(ctx.params.package, ctx.params.platform);
    sendSvg(ctx, checkBadge(ctx.params.platform, result ? [result] : []));
  });

  router.get('/badges/version/:package', validator.validate('getVersionBadge'), async (ctx) => {
    const index = await deps.repository.read('src/contrib/PACKAGES');
    const version = index ? newestVersion(Buffer.from(index.data).toString('utf8'), ctx.params.package) : null;
    sendSvg(ctx, versionBadge('rfarm', version));
  });

  return router;
}
