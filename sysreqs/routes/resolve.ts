/**
 * `POST /resolve`: `{ platform, description?, packages?, recursive?, suggests?, optional? }` →
 * a `Resolution`. The agent calls this; keep the shape stable.
 *
 * Or the source package itself: `POST /resolve?platform=debian-12[&optional=true]` with the
 * `.tar.gz` as the body (`Content-Type: application/gzip`). Then DESCRIPTION comes from the archive
 * and its `configure`, `configure.ac` and `src/Makevars*` are read too, so libraries named only there
 * are found.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseDescription, type PackageRecord } from '../description.ts';
import { invalidRequest } from '../errors.ts';
import { collectPackages, recordsForNames } from '../package-source.ts';
import { resolvePlatform } from '../platforms.ts';
import { SOURCE_BODY_LIMIT, readJsonBody, readRawBody } from '../request-body.ts';
import { readSourceArchive } from '../source-archive.ts';
import { resolve, type Resolution, type Unmatched } from '../resolver.ts';
import type { SysreqsDeps } from '../sysreqs-deps.ts';

/** The request body of `POST /resolve`. */
export interface ResolveRequest {
  /** A catalogue platform id or `distribution-release`, e.g. `debian-12`. */
  readonly platform: string;
  /** DESCRIPTION text of the package to resolve. */
  readonly description?: string;
  /** Names of packages to resolve (from the repository index or the rules). */
  readonly packages?: readonly string[];
  /** Also resolve hard dependencies (Depends, Imports, LinkingTo) from the repository index. */
  readonly recursive?: boolean;
  /** With `recursive`, also the roots' Suggests. */
  readonly suggests?: boolean;
  /** Install what "(optional)" items need too. */
  readonly optional?: boolean;
}

const KEYS = ['platform', 'description', 'packages', 'recursive', 'suggests', 'optional'];

/** Checks the body's shape; throws `invalid_request` saying what is wrong. */
export function parseResolveRequest(body: unknown): ResolveRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidRequest('the body must be a JSON object: { "platform": "debian-12", "description": "Package: …" }');
  const request = body as Record<string, unknown>;
  const problems: string[] = [];
  const extra = Object.keys(request).filter((key) => !KEYS.includes(key));
  if (extra.length) problems.push(`unknown field(s) ${extra.join(', ')}; fields: ${KEYS.join(', ')}`);
  if (typeof request.platform !== 'string' || request.platform === '')
    problems.push("'platform' must be a platform id or distribution-release such as 'debian-12'");
  if (request.description !== undefined && typeof request.description !== 'string') problems.push("'description' must be DESCRIPTION text");
  if (request.packages !== undefined && (!Array.isArray(request.packages) || !request.packages.every((name) => typeof name === 'string')))
    problems.push("'packages' must be an array of package names");
  if (request.description === undefined && (request.packages === undefined || (request.packages as unknown[]).length === 0))
    problems.push("give 'description' or a non-empty 'packages'");
  for (const flag of ['recursive', 'suggests', 'optional'])
    if (request[flag] !== undefined && typeof request[flag] !== 'boolean') problems.push(`'${flag}' must be true or false`);
  if (problems.length) throw invalidRequest(`invalid /resolve request: ${problems.join('; ')}`);
  return request as unknown as ResolveRequest;
}

const SOURCE_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/x-compressed-tar', 'application/octet-stream'];

/** Resolves a source package sent as the body; the platform and flags come from the query. */
async function resolveSource(ctx: Context, deps: SysreqsDeps): Promise<Resolution> {
  const query = (key: string) => (Array.isArray(ctx.query[key]) ? ctx.query[key][0] : ctx.query[key]) as string | undefined;
  const platformName = query('platform');
  if (!platformName) throw invalidRequest('a source package needs the platform in the query: POST /resolve?platform=debian-12 with the .tar.gz as the body');
  const platform = resolvePlatform(platformName);
  const archive = await readSourceArchive(await readRawBody(ctx, SOURCE_BODY_LIMIT));
  const record = { ...parseDescription(archive.description), buildFiles: archive.buildFiles, includes: archive.includes };
  deps.metrics.resolutions.inc({ platform: platform.id, route: 'resolve-source' });
  return resolve(deps.rules, platform, [record], { optional: query('optional') === 'true' });
}

/** Registers the resolve resource. */
export function registerResolveRoutes(router: Router, deps: SysreqsDeps): void {
  router.post('/resolve', async (ctx) => {
    if (ctx.request.is(SOURCE_TYPES)) {
      ctx.body = await resolveSource(ctx, deps);
      return;
    }
    const request = parseResolveRequest(await readJsonBody(ctx));
    const platform = resolvePlatform(request.platform);
    const roots: PackageRecord[] = [];
    const notes: Unmatched[] = [];
    if (request.description !== undefined) roots.push(parseDescription(request.description));
    if (request.packages?.length) {
      const named = recordsForNames(request.packages, deps.rules, deps.index);
      roots.push(...named.records);
      notes.push(...named.notes);
    }
    const collected = collectPackages(roots, deps.index, {
      recursive: request.recursive ?? false,
      suggests: request.suggests ?? false,
      recursionNeedsIndex: true,
    });
    const resolution = resolve(deps.rules, platform, collected.records, { optional: request.optional }, [...notes, ...collected.missing]);
    deps.metrics.resolutions.inc({ platform: platform.id, route: 'resolve' });
    deps.metrics.unmatchedItems.inc(resolution.unmatched.filter((entry) => entry.field === 'SystemRequirements').length);
    ctx.body = resolution;
  });
}
