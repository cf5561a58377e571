/**
 * `--follow`: streams each build's console output as it is written and keeps a progress line
 * (platform, state, elapsed) on stderr, redrawn in place on a terminal and printed on each change
 * otherwise, until every build has finished or the signal aborts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerUnreachableError } from './cli-errors.ts';
import type { Build, FarmClient, JobInfo } from './farm-client.ts';
import { isUnfinished } from './job-verdict.ts';
import { formatElapsed } from '../control-plane/formatting/elapsed.ts';

/** What to follow and where to write. */
export interface FollowArgs {
  readonly client: FarmClient;
  readonly id: string;
  /** Follow only these platforms; all of the job's by default. */
  readonly platforms?: readonly string[];
  /** Console output goes here (null: progress only). */
  readonly out: NodeJS.WritableStream | null;
  /** Write output as JSON lines `{platform, text}` instead of text. */
  readonly json?: boolean;
  /** The progress line goes here; redrawn in place when it is a terminal. */
  readonly progress: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly signal: AbortSignal;
  readonly pollMs?: number;
}

const UNREACHABLE_RETRIES = 30;
const OUTPUT_GRACE_MS = 10_000;

/**
 * One line on a terminal that output scrolls past, showing each build's state and the output line
 * being written (R prints "* checking tests ..." long before its verdict); on a pipe, a line per change.
 */
class ProgressLine {
  private drawn = false;
  private states = '';
  private partial = '';
  private last = '';
  constructor(private readonly stream: FollowArgs['progress']) {}

  get live(): boolean {
    return Boolean(this.stream.isTTY);
  }

  private text(): string {
    const text = this.partial ? `[${this.states}] ${this.partial}` : this.states;
    const width = Math.max(20, (this.stream.columns || 100) - 1);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  /** Prints around `write` without tearing the line, then draws it as it is now. */
  around(write: () => void): void {
    if (this.live && this.drawn) this.stream.write('\r\x1b[K');
    write();
    this.drawn = this.live && this.states !== '';
    if (this.drawn) this.stream.write(this.text());
  }

  /** The unfinished output line, shown after the states. */
  setPartial(text: string, redraw = true): void {
    this.partial = text.replace(/[\r\t]/g, ' ');
    if (this.live && redraw) this.around(() => undefined);
  }

  update(builds: readonly Build[]): void {
    if (this.live) {
      this.states = builds.map((build) => `${build.platform} ${build.status} ${formatElapsed(build.elapsed_seconds)}`).join(' | ');
      return this.around(() => undefined);
    }
    const text = builds.map((build) => `${build.platform} ${build.status}`).join(' | ');
    if (text === this.last) return;
    this.last = text;
    const elapsed = builds.map((build) => `${build.platform} ${build.status} (${formatElapsed(build.elapsed_seconds)})`).join(' | ');
    this.stream.write(`rfarm: ${elapsed}\n`);
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.states = '';
  }
}

/**
 * Writes output: raw to a pipe; in whole lines when several platforms share the screen (prefixed
 * by platform) or when the progress line is live (the unfinished line is shown in it instead).
 */
class OutputWriter {
  private readonly partial = new Map<string, string>();
  constructor(
    private readonly args: FollowArgs,
    private readonly progress: ProgressLine,
    private readonly prefixed: boolean,
  ) {}

  private line(platform: string, text: string): string {
    return this.prefixed ? `[${platform}] ${text}\n` : `${text}\n`;
  }

  write(platform: string, text: string): void {
    const out = this.args.out;
    if (!out) return;
    if (this.args.json) return this.progress.around(() => out.write(`${JSON.stringify({ platform, text })}\n`));
    if (!this.prefixed && !this.progress.live) return void out.write(text);
    const lines = ((this.partial.get(platform) ?? '') + text).split('\n');
    const rest = lines.pop()!;
    this.partial.set(platform, rest);
    this.progress.setPartial(rest, lines.length === 0);
    if (lines.length > 0) this.progress.around(() => out.write(lines.map((line) => this.line(platform, line)).join('')));
  }

  flush(): void {
    for (const [platform, rest] of this.partial) if (rest) this.progress.around(() => this.args.out!.write(this.line(platform, rest)));
    this.partial.clear();
  }
}

/** Follows one build's output; after a dropped connection the replay is skipped up to what was shown. */
async function pumpOutput(args: FollowArgs, platform: string, writer: OutputWriter, signal: AbortSignal): Promise<void> {
  let shown = 0;
  for (let retries = 0; ; retries++) {
    let received = 0;
    try {
      for await (const text of args.client.followOutput(args.id, platform, signal)) {
        const fresh = text.slice(Math.max(0, shown - received));
        received += text.length;
        if (fresh) {
          writer.write(platform, fresh);
          shown += fresh.length;
        }
      }
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (retries >= UNREACHABLE_RETRIES) throw error;
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** Polls the job until every followed build has finished; tolerates a farm that blinks. */
async function waitForBuilds(args: FollowArgs, progress: ProgressLine, chosen: (info: JobInfo) => Build[]): Promise<JobInfo | null> {
  let misses = 0;
  while (!args.signal.aborted) {
    const info = await args.client.info(args.id).catch((error) => {
      if (!(error instanceof ServerUnreachableError) || ++misses > UNREACHABLE_RETRIES) throw error;
      return null;
    });
    if (info) {
      misses = 0;
      progress.update(chosen(info));
      if (!chosen(info).some(isUnfinished)) return info;
    }
    await sleep(args.pollMs ?? 1000, undefined, { signal: args.signal }).catch(() => undefined);
  }
  return null;
}

/** Follows the job to its end; the final job info, or null when the signal aborted first. */
export async function followJob(args: FollowArgs): Promise<JobInfo | null> {
  const first = await args.client.info(args.id);
  const platforms = args.platforms?.length ? [...args.platforms] : first.builds.map((build) => build.platform);
  const chosen = (info: JobInfo) => info.builds.filter((build) => platforms.includes(build.platform));
  const progress = new ProgressLine(args.progress);
  const writer = new OutputWriter(args, progress, platforms.length > 1);
  const streams = new AbortController();
  const stopStreams = () => streams.abort();
  args.signal.addEventListener('abort', stopStreams);
  const pumps = Promise.all(platforms.map((platform) => pumpOutput(args, platform, writer, streams.signal)));
  pumps.catch(() => undefined);
  try {
    const info = await waitForBuilds(args, progress, chosen);
    // The output's end marker comes with the final status; give the streams a moment to drain.
    if (info) await Promise.race([pumps, sleep(OUTPUT_GRACE_MS)]);
    return info;
  } finally {
    stopStreams();
    args.signal.removeEventListener('abort', stopStreams);
    writer.flush();
    progress.finish();
  }
}
