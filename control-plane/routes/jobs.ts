/** Routes of the job resource: submit, info, output, cancel, artifacts. */
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import { artifactObjectName } from '../../protocol/index.ts';
import type { AppDeps } from '../app-deps.ts';
import { errors } from '../errors.ts';
import { newWorkAdmission, recordAcceptedWork } from '../health/new-work-admission.ts';
import { requireAdmin } from '../http/admin-auth.ts';
import type { ExactRoute } from '../http/exact-route.ts';
import type { ReadyRoute } from '../http/ready-answers.ts';
import { paramsOf } from '../http/openapi-validator.ts';
import { overallStatus, presentBuild, presentJob, statusUrl } from '../http/presenters.ts';
import { GZIP_HEAD, readUpload } from '../http/upload-body.ts';
import { normaliseCheckArgs, parseEnvAssignments } from '../jobs/check-options.ts';
import { JobService, type JobSnapshot } from '../jobs/job-service.ts';
import { inspectPackageArchive, uploadLimits } from '../uploads/index.ts';

// Media types are case-insensitive (RFC 9110 §8.3.1), and may come with spaces before them.
const REFUSED_UPLOAD_TYPES = /^\s*(application\/json|text\/|multipart\/)/i;

/** The API view of a job, with queue positions for builds still waiting. */
export async function jobInfo(deps: AppDeps, snapshot: JobSnapshot) {
  const waiting = snapshot.builds.some((build) => build.status === 'QUEUED' || build.status === 'SUBMITTED');
  const workers = waiting ? await deps.workers.list() : [];
  const builds = await Promise.all(
    snapshot.builds.map(async (build) => {
      const isWaiting = build.status === 'QUEUED' || build.status === 'SUBMITTED';
      const queue = isWaiting ? await deps.jobs.queuePosition(build) : null;
      const liveWorkers = workers.filter((worker) => worker.platform === build.platform).length;
      return presentBuild(deps.config.publicUrl, build, { queue, liveWorkers });
    }),
  );
  return presentJob(deps.config.publicUrl, snapshot.job, builds, snapshot.builds);
}

/** Where reverse dependencies are checked (`revdeps_platform`, else the job's first platform); null without `revdeps=true`. */
async function revdepsPlatform(
  deps: AppDeps,
  params: { revdeps?: boolean; revdeps_which?: string; revdeps_platform?: string },
  platforms: readonly string[],
): Promise<{ platform: string } | null> {
  if (!params.revdeps) {
    if (params.revdeps_which || params.revdeps_platform) throw errors.revdepOptionWithoutRevdeps();
    return null;
  }
  const named = params.revdeps_platform;
  if (!named) return { platform: platforms[0] };
  const known = (await deps.platforms.available()).map((entry) => entry.platform.id);
  if (!known.includes(named)) throw errors.unknownRevdepsPlatform(named, known);
  return { platform: named };
}

/** `first`, then the rest of `rest`; `rest` is closed however the reading ends (a client that leaves too). */
async function* prepended(first: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  try {
    yield first;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/**
 * JSON of finished jobs, as UTF-8 bytes, by job id with the snapshot it was rendered from; an
 * entry is used only while the job service still caches that very snapshot (it is final).
 * Bytes, not a string: check output carries R's curly quotes, which make the string two-byte,
 * and a string body is measured (`Buffer.byteLength`) and encoded again on every request.
 */
const renderedInfo = new Map<string, { readonly snapshot: JobSnapshot; readonly body: Buffer }>();
/** As many as the job service keeps finished snapshots (entries it no longer holds are dropped as they are met). */
const RENDERED_INFO_LIMIT = 2_000;

/** The rendered JSON of `snapshot`, if it is the one remembered. */
function renderedInfoOf(snapshot: JobSnapshot): Buffer | undefined {
  const entry = renderedInfo.get(snapshot.job.id);
  return entry?.snapshot === snapshot ? entry.body : undefined;
}

function rememberRenderedInfo(snapshot: JobSnapshot, body: Buffer): void {
  renderedInfo.delete(snapshot.job.id);
  renderedInfo.set(snapshot.job.id, { snapshot, body });
  if (renderedInfo.size > RENDERED_INFO_LIMIT) renderedInfo.delete(renderedInfo.keys().next().value!);
}

/** What `ctx.type = 'application/json'` sets, without its MIME lookup on every request. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Canonical job ids, the only ones served ahead of the router. */
const INFO_PATH = /^\/jobs\/info\/([0-9a-f]{32})$/;

/**
 * `GET /jobs/info/:id`, the route status polling hits: registered on the job router, and served
 * ahead of the routers for canonical job ids (app.ts, http/exact-route.ts).
 */
export function jobInfoRoute(deps: AppDeps): ExactRoute {
  return {
    method: 'GET',
    path: '/jobs/info/:id',
    pattern: INFO_PATH,
    params: ['id'],
    middleware: [
      deps.validator.validate('getJobInfo'),
      async (ctx) => {
        const snapshot = await deps.jobs.get((ctx.params as { id: string }).id);
        // A finished job's snapshot is cached and never changes, so neither does its JSON.
        let body = renderedInfoOf(snapshot);
        if (!body) {
          body = Buffer.from(JSON.stringify(await jobInfo(deps, snapshot)));
          if (deps.jobs.isCached(snapshot)) rememberRenderedInfo(snapshot, body);
        }
        ctx.set('Content-Type', JSON_CONTENT_TYPE);
        ctx.body = body;
      },
    ],
  };
}

/**
 * The same route's answers that are ready: a finished job's JSON once rendered, served before Koa
 * (http/ready-answers.ts). Anything else (the first request, a job still running, an unknown id)
 * goes through the app.
 */
export function readyJobInfo(deps: AppDeps): ReadyRoute {
  return {
    path: '/jobs/info/:id',
    pattern: INFO_PATH,
    contentType: JSON_CONTENT_TYPE,
    answer(match) {
      const entry = renderedInfo.get(match[1]!);
      if (!entry) return null;
      if (deps.jobs.isCached(entry.snapshot)) return entry.body;
      // The job service let it go (or holds a newer snapshot): render it again through the app.
      renderedInfo.delete(match[1]!);
      return null;
    },
  };
}

export function jobRoutes(deps: AppDeps): Router {
  const router = new Router();
  const { validator, config } = deps;

  router.put(
    '/jobs/submit/tarball',
    validator.validate('submitTarball'),
    newWorkAdmission(deps.nats, deps.storage),
    deps.uploads.admission(config.uploadLimitBytes),
    async (ctx) => {
      const contentType = ctx.get('content-type');
      if (REFUSED_UPLOAD_TYPES.test(contentType))
        throw errors.unsupportedMediaType('the package .tar.gz itself as the raw body (Content-Type: application/gzip)');
      const params = paramsOf(ctx, 'submitTarball');
      if (params.publish) requireAdmin(ctx, config.adminToken);
      if (params.email && !deps.mailer) throw errors.mailNotConfigured();
      const checkArgs = normaliseCheckArgs(params.check_args ?? []);
      const env = parseEnvAssignments(params.env_vars ?? []);
      const platforms = await deps.platforms.choose(params.platform ?? []);
      const revdeps = await revdepsPlatform(deps, params, platforms);
      const data = await readUpload(ctx, { limit: config.uploadLimitBytes, ...GZIP_HEAD });
      const archive = await inspectPackageArchive(data, uploadLimits(config));
      // A revdep run is recorded before its job: a crash in between loses nothing.
      const id = JobService.newId();
      if (revdeps) await deps.revdeps.accept(id, archive.packageName, archive.version, revdeps.platform, params.revdeps_which);
      const submitted = await deps.jobs.submit(
        { archive, data, platforms, email: params.email ?? null, checkArgs, env, publish: params.publish ?? false, revdeps },
        id,
      );
      deps.metrics.submissions.inc();
      recordAcceptedWork(ctx, { uploadBytes: data.length, builds: platforms.length });
      // An idle worker may have started a build already: answer with the records as they are now.
      const snapshot = await deps.jobs.refreshed(submitted).catch(() => submitted);
      ctx.status = 202;
      ctx.set('Location', `/jobs/info/${snapshot.job.id}`);
      ctx.body = {
        id: snapshot.job.id,
        url: statusUrl(config.publicUrl, snapshot.job.id),
        status: overallStatus(snapshot.builds),
        builds: snapshot.builds.map((build) => ({ platform: build.platform, status: build.status })),
      };
    },
  );

  const info = jobInfoRoute(deps);
  router.get(info.path, ...info.middleware);

  router.get('/jobs/output/:id', validator.validate('getJobOutput'), async (ctx) => {
    const params = paramsOf(ctx, 'getJobOutput');
    const { build } = await deps.jobs.build(ctx.params.id, params.platform);
    const wantsEvents = ctx.accepts('text/plain', 'text/event-stream') === 'text/event-stream' && ctx.get('accept').includes('text/event-stream');
    if (!params.follow && !wantsEvents) {
      // Chunk by chunk as the client takes them: a large output is never held whole. The first
      // chunk is read before answering, so a store that cannot be read is still a JSON error.
      const text = deps.output.latestAttemptText(build);
      const first = await text.next();
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = first.done ? '' : Readable.from(prepended(first.value, text), { objectMode: false });
      return;
    }
    const stream = new Readable({ read() {} });
    const abort = new AbortController();
    ctx.req.on('close', () => abort.abort());
    ctx.type = wantsEvents ? 'text/event-stream' : 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = stream;
    const write = wantsEvents
      ? (chunk: { attempt: number; text: string; end: string | null }) => {
          stream.push(`event: output\ndata: ${JSON.stringify({ attempt: chunk.attempt, text: chunk.text })}\n\n`);
          if (chunk.end) stream.push(`event: end\ndata: ${JSON.stringify({ status: chunk.end })}\n\n`);
        }
      : (chunk: { text: string }) => stream.push(chunk.text);
    deps.output
      .follow(build.jobId, build.platform, write, abort.signal)
      .catch((error: Error) => deps.log.warn({ err: error }, 'output follow ended with an error'))
      .finally(() => {
        if (wantsEvents) stream.push('event: close\ndata: {}\n\n');
        stream.push(null);
      });
  });

  router.delete('/jobs/:id', validator.validate('cancelJob'), async (ctx) => {
    const snapshot = await deps.jobs.cancel(ctx.params.id);
    if (snapshot.job.revdeps) await deps.revdeps.cancel(snapshot.job.id);
    ctx.body = await jobInfo(deps, snapshot);
  });

  router.get('/jobs/:id/artifacts/:name', validator.validate('getArtifact'), async (ctx) => {
    const params = paramsOf(ctx, 'getArtifact');
    const { build } = await deps.jobs.build(ctx.params.id, params.platform);
    const artifact = build.artifacts.find((candidate) => candidate.name === ctx.params.name);
    if (!artifact)
      throw errors.artifactNotFound(
        ctx.params.name,
        build.artifacts.map((candidate) => candidate.name),
      );
    const object = await deps.farm.artifacts.get(artifactObjectName(build.jobId, build.platform, artifact));
    if (!object) throw errors.artifactNotFound(ctx.params.name, []);
    ctx.type = artifact.contentType;
    ctx.length = artifact.size;
    ctx.attachment(artifact.name, { type: artifact.contentType.startsWith('text/') ? 'inline' : 'attachment' });
    // nats.js types its stream with the DOM's ReadableStream; node:stream/web's is the same object.
    ctx.body = Readable.fromWeb(object.data as unknown as WebReadableStream<Uint8Array>);
  });

  return router;
}
