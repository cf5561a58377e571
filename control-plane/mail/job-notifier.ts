/**
 * Mails the submitter when a job with an e-mail address ends: follows the finished builds in
 * JetStream (jobs/finished-builds.ts, as publishing and badges do), so a job that ends while the control plane is
 * down is noticed when it comes back. One notice record per job makes several control planes,
 * and a restart, send one mail: it is claimed before sending and marked sent after; a claim left
 * by a control plane that died mid-send is taken over once it is old enough.
 */
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { decode, encode, isTerminal, keys, readRecord, type BuildRecord, type JobRecord } from '../../protocol/index.ts';
import { overallStatus, statusUrl, worstResult } from '../http/presenters.ts';
import { watchFinishedBuilds, type FinishedBuildWatch } from '../jobs/finished-builds.ts';
import type { MailMessage } from './mailer.ts';

/** What a job's notice record says. */
interface NoticeRecord {
  readonly state: 'sending' | 'sent';
  readonly at: string;
  readonly attempts: number;
}

/** The one thing the notifier needs of a mailer. */
export interface MailSender {
  send(message: MailMessage): Promise<void>;
}

/** Jobs that ended this long before the notifier started are not mailed any more. */
const CATCH_UP_MS = 24 * 60 * 60 * 1000;
/** A claim older than this was left by a control plane that died: take it over. */
const CLAIM_EXPIRES_MS = 2 * 60 * 1000;
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000];

/** The notice record's key in the jobs bucket. */
export const noticeKey = (jobId: string) => `notice.${jobId}`;

/** The mail for a finished job: the result first, each build, the status URL. */
export function noticeMessage(publicUrl: string, job: JobRecord, builds: readonly BuildRecord[]): MailMessage {
  const worst = worstResult(builds);
  const outcome = worst ?? overallStatus(builds);
  const lines = builds.map((build) => {
    const result = build.result
      ? `${build.result.status} (${build.result.errors} errors, ${build.result.warnings} warnings, ${build.result.notes} notes)`
      : build.status;
    return `  ${build.platform}: ${result}${build.reason && build.status !== 'DONE' ? ` - ${build.reason}` : ''}`;
  });
  const findings = builds.flatMap((build) => (build.result?.items ?? []).map((item) => `  ${build.platform}: ${item.severity} ${item.check}`));
  const text = [
    `${job.package} ${job.version}: ${outcome}`,
    '',
    ...lines,
    ...(findings.length ? ['', 'Findings:', ...findings] : []),
    '',
    `Details, console output and downloads: ${statusUrl(publicUrl, job.id)}`,
    '',
    'You get this mail because the job was submitted with this address.',
  ].join('\n');
  return { to: job.email ?? '', subject: `rfarm: ${job.package} ${job.version} ${outcome}`, text };
}

export class JobNotifier {
  private stopped = false;
  private watch: FinishedBuildWatch | null = null;
  private readonly emails = new Map<string, string | null>();

  constructor(
    private readonly jobs: KV,
    private readonly mailer: MailSender,
    private readonly publicUrl: string,
    private readonly log: Logger,
  ) {}

  /** Starts following the build records; mail goes out in the background. */
  async start(): Promise<void> {
    this.watch = await watchFinishedBuilds(this.jobs, {
      catchUpMs: CATCH_UP_MS,
      // Not awaited: a mail server that is slow or retrying must not hold up other jobs' mail.
      onBuild: async (build) => {
        if (this.stopped) return;
        void this.consider(build.jobId).catch((error: Error) => this.log.warn({ err: error, jobId: build.jobId }, 'a job notification failed'));
      },
      onError: (error, build) => this.log.warn({ err: error, jobId: build.jobId }, 'a job notification failed'),
    });
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  /** Mails the job's address once every build has ended. */
  private async consider(jobId: string): Promise<void> {
    const email = await this.emailOf(jobId);
    if (!email) return;
    const job = await readRecord<JobRecord>(this.jobs, keys.job(jobId));
    if (!job) return;
    const builds = await Promise.all(job.value.platforms.map((platform) => readRecord<BuildRecord>(this.jobs, keys.build(jobId, platform))));
    if (builds.some((build) => !build || !isTerminal(build.value.status))) return;
    const records = builds.map((build) => build!.value);
    for (let attempt = 0; ; attempt++) {
      const claimed = await this.claim(jobId);
      if (!claimed) return;
      try {
        await this.mailer.send(noticeMessage(this.publicUrl, job.value, records));
        await this.jobs.put(noticeKey(jobId), encode({ state: 'sent', at: new Date().toISOString(), attempts: attempt + 1 } satisfies NoticeRecord));
        this.log.info({ jobId, to: email }, 'result mailed');
        return;
      } catch (error) {
        // Let the claim go, so the next attempt (here, or another control plane's) may take it.
        await this.jobs.delete(noticeKey(jobId)).catch(() => undefined);
        if (attempt >= RETRY_DELAYS_MS.length || this.stopped) throw error;
        await new Promise((done) => setTimeout(done, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /** Takes the job's notice: false when it was sent, or another sender holds a fresh claim. */
  private async claim(jobId: string): Promise<boolean> {
    const claim = encode({ state: 'sending', at: new Date().toISOString(), attempts: 0 } satisfies NoticeRecord);
    const current = await this.jobs.get(noticeKey(jobId));
    try {
      if (!current || current.operation !== 'PUT' || current.value.length === 0) {
        await this.jobs.create(noticeKey(jobId), claim);
        return true;
      }
      const notice = decode<NoticeRecord>(current.value);
      if (notice.state === 'sent' || Date.now() - Date.parse(notice.at) < CLAIM_EXPIRES_MS) return false;
      await this.jobs.update(noticeKey(jobId), claim, current.revision);
      return true;
    } catch {
      return false; // another control plane claimed it between our read and our write
    }
  }

  private async emailOf(jobId: string): Promise<string | null> {
    if (this.emails.has(jobId)) return this.emails.get(jobId)!;
    const job = await readRecord<JobRecord>(this.jobs, keys.job(jobId));
    const email = job?.value.email ?? null;
    if (this.emails.size > 10_000) this.emails.clear();
    if (job) this.emails.set(jobId, email);
    return email;
  }
}
