/**
 * r-hub 1.x submissions and lookups mapped onto rfarm's jobs: one job per submission (the r-hub
 * group), one build per platform (an r-hub check). Validation reuses rfarm's: the archive
 * inspector, the platform directory and the check-option allow-lists.
 */
import { isTerminal, type BuildRecord, type JobRecord } from '../../protocol/index.ts';
import type { AppDeps } from '../app-deps.ts';
import { errors } from '../errors.ts';
import { normaliseCheckArgs, normaliseEnv } from '../jobs/check-options.ts';
import { JobService } from '../jobs/job-service.ts';
import { inAttempt, shownAttempt } from '../jobs/output-reader.ts';
import { inspectPackageArchive, uploadLimits } from '../uploads/index.ts';
import { departedPlatform, resolveRhubPlatform, rhubPlatformList, type RhubPlatform } from './rhub-platforms.ts';
import { finishedLine, livelogPage, rhubStatusDocument, type LivelogPage, type RhubStatusDocument } from './rhub-status.ts';
import { newRhubId, type RhubCheckRecord, type RhubGroupRecord, type RhubStore } from './rhub-store.ts';
import type { RhubTokens } from './rhub-tokens.ts';

/** One platform's entry in the submit answer; the client reads `id` and `status-url`. */
export interface RhubSubmitted {
  readonly result: 'submitted';
  readonly email: string;
  readonly id: string;
  readonly group: string;
  readonly 'status-url': string;
  readonly 'log-url': string;
}

/** The r-hub API allows at most this many groups in a list. */
const LIST_LIMIT = 20;
/** A build over for this long without an end-of-output marker lost its agent: its log is complete. */
const OUTPUT_GRACE_MS = 5_000;

type Deps = Pick<AppDeps, 'config' | 'jobs' | 'output' | 'platforms' | 'metrics'>;

function strings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw errors.invalidRequest(`'${field}' must be a string or a list of strings`);
}

/** `env` as the 1.x client encodes it: `[]` when empty, else `{ NAME: ["value"] }` (jsonlite keeps vectors as arrays). */
function envOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.invalidRequest("'env' must be an object of environment variables");
  const flat = Object.fromEntries(Object.entries(value).map(([name, text]) => [name, strings(text, `env.${name}`).join(' ')]));
  return normaliseEnv(flat);
}

export class RhubChecks {
  constructor(
    private readonly deps: Deps,
    private readonly store: RhubStore,
    private readonly tokens: RhubTokens,
  ) {}

  /** rfarm's platforms, live hosts included, then r-hub's old names. */
  async platformList(): Promise<RhubPlatform[]> {
    return rhubPlatformList((await this.deps.platforms.available()).map((entry) => entry.platform));
  }

  /** `POST /api/check/submit`: checks the token, the archive and the options, then queues one job. */
  async submit(body: Record<string, unknown>): Promise<Record<string, RhubSubmitted>> {
    const email = await this.tokens.verify(body.email, body.token);
    if (typeof body.file !== 'string' || body.file === '') throw errors.invalidRequest("'file' must hold the package .tar.gz, base64-encoded");
    const checkArgs = normaliseCheckArgs(strings(body.check_args, 'check_args'));
    const env = envOf(body.env);
    const list = await this.platformList();
    const names = [...new Set(strings(body.platform, 'platform'))];
    const chosen = names.map((name) => resolveRhubPlatform(name, list) ?? this.unknown(name, list));
    const platforms = await this.deps.platforms.choose([...new Set(chosen.map((entry) => entry['rfarm-platform']))]);
    const data = Buffer.from(body.file, 'base64');
    const { config } = this.deps;
    if (data.length > config.uploadLimitBytes) throw errors.uploadTooLarge(config.uploadLimitBytes);
    const archive = await inspectPackageArchive(data, uploadLimits(config));
    const jobId = JobService.newId();
    const group = newRhubId(archive.packageName, archive.version, jobId);
    // No platform named: the farm's defaults, each under its own id.
    const requested = names.length > 0 ? names : platforms;
    const checks: RhubCheckRecord[] = requested.map((name, index) => ({
      id: newRhubId(archive.packageName, archive.version),
      group,
      jobId,
      platform: names.length > 0 ? chosen[index]['rfarm-platform'] : name,
      name,
      email,
    }));
    const snapshot = await this.deps.jobs.submit({ archive, data, platforms, email, checkArgs, env, publish: false }, jobId);
    const groupRecord: RhubGroupRecord = {
      group,
      jobId,
      email,
      package: archive.packageName,
      submittedAt: snapshot.job.submittedAt,
      checks: checks.map((check) => check.id),
    };
    await this.store.saveSubmission(groupRecord, checks);
    this.deps.metrics.submissions.inc();
    const base = config.publicUrl;
    return Object.fromEntries(
      checks.map((check) => [
        check.name,
        {
          result: 'submitted',
          email,
          id: check.id,
          group,
          'status-url': `${base}/status/${jobId}`,
          'log-url': `${base}/jobs/output/${jobId}?platform=${check.platform}`,
        },
      ]),
    );
  }

  private unknown(name: string, list: readonly RhubPlatform[]): never {
    throw errors.unknownPlatform(
      name,
      list.map((entry) => entry.name),
    );
  }

  async check(id: string): Promise<RhubCheckRecord> {
    const check = await this.store.check(id);
    if (!check) throw errors.rhubCheckNotFound(id);
    return check;
  }

  private async buildOf(check: RhubCheckRecord): Promise<{ job: JobRecord; build: BuildRecord }> {
    return this.deps.jobs.build(check.jobId, check.platform);
  }

  private platformEntry(check: RhubCheckRecord, list: readonly RhubPlatform[]): RhubPlatform {
    const listed = resolveRhubPlatform(check.name, list);
    if (listed) return listed;
    return departedPlatform(check.name, check.platform);
  }

  /** Status documents for checks, in the order asked; `withLogs` adds the output of finished ones. */
  async statuses(checks: readonly RhubCheckRecord[], withLogs: boolean): Promise<RhubStatusDocument[]> {
    const list = await this.platformList();
    return Promise.all(
      checks.map(async (check) => {
        const { job, build } = await this.buildOf(check);
        const output = withLogs && isTerminal(build.status) ? await this.deps.output.latestAttempt(build) : null;
        return rhubStatusDocument(check, job, build, this.platformEntry(check, list), output);
      }),
    );
  }

  async statusByIds(ids: readonly string[]): Promise<RhubStatusDocument[]> {
    return this.statuses(await Promise.all(ids.map((id) => this.check(id))), true);
  }

  async groupStatus(id: string): Promise<RhubStatusDocument[]> {
    const group = await this.store.group(id);
    if (!group) throw errors.rhubCheckNotFound(id);
    return this.statusByIds(group.checks);
  }

  /** `GET /api/list/<email>[/<package>]`: newest groups first, each a list of its checks. */
  async list(email: string, packageName: string | null): Promise<RhubStatusDocument[][]> {
    const groups = (await this.store.groupsOf(email)).filter((group) => packageName === null || group.package === packageName).slice(0, LIST_LIMIT);
    const answered: RhubStatusDocument[][] = [];
    for (const group of groups) {
      const checks = (await Promise.all(group.checks.map((id) => this.store.check(id)))).filter((check) => check !== null);
      answered.push(await this.statuses(checks, false));
    }
    return answered;
  }

  /** `GET /api/livelog/text/<id>?start=<line>`: the build's output from line `start` on. */
  async livelog(id: string, start: number): Promise<LivelogPage> {
    const check = await this.check(id);
    const { build } = await this.buildOf(check);
    const chunks = await this.deps.output.chunks(check.jobId, check.platform);
    // The shown attempt only, as OutputReader.latestAttempt: another attempt's lines are not shown.
    const shown = shownAttempt(build, Math.max(0, ...chunks.map((chunk) => chunk.attempt)));
    const current = chunks.filter((chunk) => inAttempt(chunk, shown));
    const ended = current.some((chunk) => chunk.end !== null);
    const quiet = build.finishedAt !== null && Date.now() - Date.parse(build.finishedAt) > OUTPUT_GRACE_MS;
    const finished = isTerminal(build.status) && (ended || quiet) ? finishedLine(build) : null;
    return livelogPage(current.map((chunk) => chunk.text).join(''), start, finished);
  }
}
