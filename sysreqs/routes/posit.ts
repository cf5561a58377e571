/**
 * Posit Package Manager compatible sysreqs endpoints, so `remotes::system_requirements()` and pak
 * work with `RSPM_ROOT` pointing here:
 *
 * - `GET /__api__/repos/:repo/sysreqs?pkgname=A&pkgname=B&distribution=ubuntu&release=22.04`
 *   → `{ requirements: [{ name, requirements: { packages, pre_install, install_scripts, post_install } }] }`
 * - `POST /__api__/repos/:repo/sysreqs?distribution=…&release=…&suggests=true` with a raw
 *   DESCRIPTION body → `{ name, packages, pre_install, install_scripts, post_install, requirements, dependencies: [...] }`
 *
 * The repository id is accepted and ignored: there is one rules database. Errors are `{ error }`.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseDescription, type PackageRecord } from '../description.ts';
import { invalidRequest, unknownPlatform } from '../errors.ts';
import { collectPackages, recordsForNames } from '../package-source.ts';
import { findSysreqsPlatform, knownPlatformNames, type SysreqsPlatform } from '../platforms.ts';
import { readRawBody } from '../request-body.ts';
import { installScripts, resolve, type Resolution } from '../resolver.ts';
import type { SysreqsDeps } from '../sysreqs-deps.ts';

/** What Posit calls a package's requirements. */
interface PositRequirements {
  packages: readonly string[];
  pre_install: readonly string[];
  install_scripts: readonly string[];
  post_install: readonly string[];
}

function queryValues(ctx: Context, key: string): string[] {
  const value = ctx.query[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function platformOf(ctx: Context): SysreqsPlatform {
  const [distribution] = queryValues(ctx, 'distribution');
  const [release] = queryValues(ctx, 'release');
  if (!distribution || !release) throw invalidRequest("query parameters 'distribution' and 'release' are required, e.g. distribution=ubuntu&release=22.04");
  const platform = findSysreqsPlatform(distribution, release);
  if (!platform) throw unknownPlatform(`${distribution}-${release}`, knownPlatformNames());
  return platform;
}

/** One command per OS package, as Posit answers. */
function positRequirements(platform: SysreqsPlatform, resolution: Resolution): PositRequirements {
  return {
    packages: resolution.packages,
    pre_install: resolution.pre_install,
    install_scripts: resolution.packages.flatMap((name) => installScripts(platform, [name])),
    post_install: resolution.post_install,
  };
}

function hasRequirements(requirements: PositRequirements): boolean {
  return requirements.packages.length + requirements.pre_install.length + requirements.post_install.length > 0;
}

function perPackage(deps: SysreqsDeps, platform: SysreqsPlatform, records: readonly PackageRecord[]) {
  return records
    .map((record) => ({ name: record.name, requirements: positRequirements(platform, resolve(deps.rules, platform, [record])) }))
    .filter((entry) => hasRequirements(entry.requirements));
}

/** Registers the Posit-compatible routes. */
export function registerPositRoutes(router: Router, deps: SysreqsDeps): void {
  router.get('/__api__/repos/:repo/sysreqs', (ctx) => {
    const platform = platformOf(ctx);
    const names = queryValues(ctx, 'pkgname')
      .flatMap((value) => value.split(','))
      .map((name) => name.trim())
      .filter(Boolean);
    if (names.length === 0) throw invalidRequest("give at least one 'pkgname' query parameter (all=true is not supported)");
    const roots = recordsForNames(names, deps.rules, deps.index).records;
    const { records } = collectPackages(roots, deps.index, { recursive: true, suggests: false, recursionNeedsIndex: false });
    deps.metrics.resolutions.inc({ platform: platform.id, route: 'posit-get' });
    ctx.body = { name: '', requirements: perPackage(deps, platform, records) };
  });

  router.post('/__api__/repos/:repo/sysreqs', async (ctx) => {
    const platform = platformOf(ctx);
    const root = parseDescription(await readRawBody(ctx));
    const suggests = queryValues(ctx, 'suggests')[0] === 'true';
    const { records } = collectPackages([root], deps.index, { recursive: true, suggests, recursionNeedsIndex: false });
    const own = positRequirements(platform, resolve(deps.rules, platform, [root]));
    const dependencies = perPackage(
      deps,
      platform,
      records.filter((record) => record !== root),
    ).map((entry) => ({ name: entry.name, ...entry.requirements, requirements: entry.requirements, dependencies: [] }));
    deps.metrics.resolutions.inc({ platform: platform.id, route: 'posit-post' });
    ctx.body = { name: root.name, ...own, requirements: own, dependencies };
  });
}
