/** The `rfarm` commands. Each returns its exit code; failures are thrown as CliErrors. */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CliError, EXIT } from './cli-errors.ts';
import type { FarmClient, JobInfo, SubmitOptions } from './farm-client.ts';
import { followJob } from './job-follower.ts';
import { isUnfinished, verdictExitCode } from './job-verdict.ts';
import { packageTarball } from './package-source.ts';
import { jobView, platformsView, workersView } from './text-views.ts';

/** What every command works with. */
export interface CommandContext {
  readonly client: FarmClient;
  /** Print JSON instead of text on stdout. */
  readonly json: boolean;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Aborts on Ctrl-C. */
  readonly signal: AbortSignal;
  /** How to name this farm in a suggested command, e.g. " --server http://…" or "". */
  readonly serverFlag: string;
}

function print(ctx: CommandContext, text: string): void {
  ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printJson(ctx: CommandContext, value: unknown): void {
  print(ctx, JSON.stringify(value, null, 2));
}

/** After Ctrl-C: ask whether to cancel (on a terminal), or say how to; always exit 130. */
async function interrupted(ctx: CommandContext, id: string): Promise<number> {
  const how = `rfarm cancel ${id}${ctx.serverFlag}`;
  if (!ctx.stdin.isTTY) {
    ctx.stderr.write(`\nrfarm: stopped following; the job keeps running on the farm. To cancel it: ${how}\n`);
    return EXIT.interrupted;
  }
  const prompt = createInterface({ input: ctx.stdin, output: ctx.stderr });
  const answer = await new Promise<string>((done) => {
    prompt.on('SIGINT', () => done('n'));
    prompt.question(`\nrfarm: stopped following. Cancel job ${id} on the farm too? [y/N] `).then(done, () => done('n'));
  });
  prompt.close();
  if (/^y(es)?$/i.test(answer.trim())) {
    const info = await ctx.client.cancel(id);
    ctx.stderr.write(`rfarm: cancelled: ${info.builds.map((build) => `${build.platform} ${build.status}`).join(', ')}\n`);
  } else {
    ctx.stderr.write(`rfarm: the job keeps running. To cancel it later: ${how}\n`);
  }
  return EXIT.interrupted;
}

/** `rfarm submit <pkg.tar.gz | dir> [--platform P …] [--as-cran] [--check-args …] [--env N=V …] [--email E] [--publish] [--revdeps] [--revdeps-which W] [--revdeps-platform P] [--follow]` */
export async function submit(ctx: CommandContext, path: string, options: SubmitOptions & { follow: boolean }): Promise<number> {
  for (const assignment of options.envVars ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(assignment)) throw new CliError(`--env ${assignment}: write NAME=VALUE, e.g. --env _R_CHECK_FORCE_SUGGESTS_=false`);
  }
  const tarball = await packageTarball(path, (line) => ctx.stderr.write(`${line}\n`));
  const submitted = await ctx.client.submit(tarball.data, options);
  if (!options.follow) {
    if (ctx.json) printJson(ctx, submitted);
    else
      print(
        ctx,
        `${submitted.url}\n${submitted.builds.map((build) => `  ${build.platform}: ${build.status}`).join('\n')}${options.revdeps ? `\nreverse dependencies and the CRAN pre-submission summary: ${submitted.url}/cran` : ''}`,
      );
    return EXIT.ok;
  }
  ctx.stderr.write(`rfarm: submitted ${tarball.name}: ${submitted.url}\n`);
  if (options.revdeps) ctx.stderr.write(`rfarm: reverse dependencies and the CRAN pre-submission summary: ${submitted.url}/cran\n`);
  const info = await followJob({ client: ctx.client, id: submitted.id, out: ctx.json ? null : ctx.stdout, progress: ctx.stderr, signal: ctx.signal });
  if (!info) return interrupted(ctx, submitted.id);
  if (ctx.json) printJson(ctx, info);
  else print(ctx, `\n${jobView(info)}`);
  return verdictExitCode(info);
}

/** `rfarm status <id>` */
export async function status(ctx: CommandContext, id: string): Promise<number> {
  const info = await ctx.client.info(id);
  if (ctx.json) printJson(ctx, info);
  else print(ctx, jobView(info));
  return EXIT.ok;
}

function choosePlatforms(info: JobInfo, platform: string | undefined): string[] {
  const all = info.builds.map((build) => build.platform);
  if (!platform) return all;
  if (!all.includes(platform)) throw new CliError(`job ${info.id} has no build on '${platform}'; its platforms: ${all.join(', ')}`);
  return [platform];
}

/** `rfarm output <id> [--platform P] [--follow]` */
export async function output(ctx: CommandContext, id: string, options: { platform?: string; follow: boolean }): Promise<number> {
  const info = await ctx.client.info(id);
  const platforms = choosePlatforms(info, options.platform);
  if (options.follow) {
    const done = await followJob({ client: ctx.client, id, platforms, out: ctx.stdout, json: ctx.json, progress: ctx.stderr, signal: ctx.signal });
    return done ? EXIT.ok : EXIT.interrupted;
  }
  const texts = await Promise.all(platforms.map(async (platform) => ({ platform, output: await ctx.client.output(id, platform) })));
  if (ctx.json) printJson(ctx, texts);
  else if (texts.length === 1) ctx.stdout.write(texts[0].output);
  else for (const text of texts) ctx.stdout.write(`==> ${text.platform} <==\n${text.output}\n`);
  return EXIT.ok;
}

/** `rfarm cancel <id>` */
export async function cancel(ctx: CommandContext, id: string): Promise<number> {
  const info = await ctx.client.cancel(id);
  if (ctx.json) printJson(ctx, info);
  else print(ctx, jobView(info));
  return EXIT.ok;
}

/** An artifact name as a file name: no directories, nothing hidden (the names come from the farm). */
function safeFileName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) throw new CliError(`refusing to save an artifact named '${name}': not a plain file name`);
  return name;
}

/** `rfarm download <id> [--dir D] [--platform P]`: every artifact, as D/<platform>/<name>. */
export async function download(ctx: CommandContext, id: string, options: { dir?: string; platform?: string }): Promise<number> {
  const info = await ctx.client.info(id);
  const platforms = choosePlatforms(info, options.platform);
  const builds = info.builds.filter((build) => platforms.includes(build.platform));
  const wanted = builds.flatMap((build) =>
    build.artifacts.map((artifact) => ({ platform: build.platform, name: safeFileName(artifact.name), size: artifact.size })),
  );
  if (wanted.length === 0) {
    const unfinished = builds.some(isUnfinished);
    throw new CliError(
      `job ${id} has no artifacts${unfinished ? ' yet: its builds are still running (wait with `rfarm submit --follow` or `rfarm output --follow`)' : ''}`,
    );
  }
  const root = resolve(options.dir ?? `rfarm-${id.slice(0, 8)}`);
  const saved = [];
  for (const artifact of wanted) {
    const folder = join(root, safeFileName(artifact.platform));
    mkdirSync(folder, { recursive: true });
    const path = join(folder, artifact.name);
    const body = await ctx.client.artifact(id, artifact.platform, artifact.name);
    await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), createWriteStream(path));
    saved.push({ ...artifact, path });
    if (!ctx.json) print(ctx, path);
  }
  if (ctx.json) printJson(ctx, saved);
  return EXIT.ok;
}

/** `rfarm platforms` */
export async function platforms(ctx: CommandContext): Promise<number> {
  const list = await ctx.client.platforms();
  if (ctx.json) printJson(ctx, list);
  else print(ctx, platformsView(list));
  return EXIT.ok;
}

/** `rfarm workers` (admin token) */
export async function workers(ctx: CommandContext): Promise<number> {
  const list = await ctx.client.workers();
  if (ctx.json) printJson(ctx, list);
  else print(ctx, workersView(list));
  return EXIT.ok;
}
