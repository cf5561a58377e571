/** `GET /platforms`: the platforms the rules cover and the catalogue platforms mapping to each. */
import type Router from '@koa/router';
import { SYSREQS_PLATFORMS, cataloguePlatformsOf } from '../platforms.ts';

/** Registers the platforms resource. */
export function registerPlatformRoutes(router: Router): void {
  router.get('/platforms', (ctx) => {
    ctx.body = {
      platforms: SYSREQS_PLATFORMS.map((platform) => ({
        id: platform.id,
        distribution: platform.distribution,
        release: platform.release,
        family: platform.family,
        description: platform.description,
        install_command: platform.installCommand,
        catalogue_platforms: cataloguePlatformsOf(platform),
      })),
    };
  });
}
