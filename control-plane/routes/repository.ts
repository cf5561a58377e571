/**
 * Routes of the farm's CRAN-like repository: the repository itself under /repo/ (for
 * `install.packages(repos = "<farm>/repo")`), and the publications of a job's builds.
 */
import Router from '@koa/router';
import type { BuildRecord, JobRecord } from '../../protocol/index.ts';
import type { AppDeps } from '../app-deps.ts';
import { errors } from '../errors.ts';
import { requireAdmin } from '../http/admin-auth.ts';
import { paramsOf } from '../http/openapi-validator.ts';
import type { PublicationRecord } from '../repository/index.ts';

/** The API view of one build's publication. */
function presentPublication(publicUrl: string, job: JobRecord, build: BuildRecord, record: PublicationRecord | null) {
  const status = record?.status ?? (!job.publish ? 'not_requested' : 'pending');
  return {
    platform: build.platform,
    status,
    reason: record?.reason ?? null,
    files: (record?.files ?? []).map((path) => ({ path, url: `${publicUrl}/repo/${path}` })),
    at: record?.at ?? null,
  };
}

export function repositoryRoutes(deps: AppDeps): Router {
  const router = new Router();
  const { validator, config } = deps;

  router.get('/repo/{*path}', validator.validate('getRepositoryFile'), async (ctx) => {
    const path = ctx.params.path ?? '';
    const file = await deps.repository.read(path);
    if (!file) throw errors.repositoryFileNotFound(path);
    ctx.type = file.contentType;
    ctx.set('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.body = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
  });

  router.get('/repository/publications/:id', validator.validate('getPublications'), async (ctx) => {
    const snapshot = await deps.jobs.get(ctx.params.id);
    const builds = await Promise.all(
      snapshot.builds.map(async (build) =>
        presentPublication(config.publicUrl, snapshot.job, build, await deps.repository.publication(build.jobId, build.platform)),
      ),
    );
    ctx.body = { job_id: snapshot.job.id, package: snapshot.job.package, version: snapshot.job.version, publish_requested: snapshot.job.publish, builds };
  });

  router.put('/repository/publications/:id', validator.validate('publishJob'), async (ctx) => {
    requireAdmin(ctx, config.adminToken);
    const params = paramsOf(ctx, 'publishJob');
    const { job, build } = await deps.jobs.build(ctx.params.id, params.platform);
    const record = await deps.repository.publish(job.id, build.platform);
    ctx.body = presentPublication(config.publicUrl, job, build, record);
  });

  return router;
}
