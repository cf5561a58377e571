/**
 * EC2's Spot interruption notice, watched through the instance metadata service (IMDSv2: a session
 * token from `PUT /latest/api/token`, then `GET /latest/meta-data/spot/instance-action`, which
 * answers 404 until EC2 decides to reclaim the host, about two minutes before it does). When a
 * notice comes the agent stops taking builds; the build it is running goes on, and if the host
 * goes first JetStream redelivers that build to another agent after its ack wait, as for any agent
 * that dies. On only where configured (FARM_SPOT_NOTICE=imds, set by the Windows builders' user
 * data); a host the metadata says is not Spot (the on-demand fallback group shares the template)
 * stops watching at once.
 */
import type { Logger } from 'pino';
import type { BuildConsumer, TakenBuild } from '../../protocol/index.ts';

/** The notice as EC2 gives it, e.g. `{"action":"terminate","time":"2026-12-02T12:02:00Z"}`. */
export interface SpotInstanceAction {
  readonly action: string;
  readonly time: string;
}

/** Where and how often to look. */
export interface SpotInterruptionWatchOptions {
  /** Base URL of the metadata service: http://169.254.169.254 on EC2 (FARM_IMDS_URL). */
  readonly imdsUrl: string;
  /** Time between looks; EC2 suggests every 5 s (FARM_SPOT_NOTICE_POLL_SECONDS). */
  readonly intervalMs: number;
  readonly log: Logger;
}

const TOKEN_TTL_SECONDS = 21_600;
const REQUEST_TIMEOUT_MS = 2_000;

/** Watches for the notice; `noticed` is set once one has come, and stays set. */
export class SpotInterruptionWatch {
  private token: { readonly value: string; readonly expiresAt: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private current: SpotInstanceAction | null = null;

  private constructor(private readonly options: SpotInterruptionWatchOptions) {}

  /** Starts watching; the first look is done before it resolves, so a notice already given is known before any build is taken. */
  static async start(options: SpotInterruptionWatchOptions): Promise<SpotInterruptionWatch> {
    const watch = new SpotInterruptionWatch(options);
    const lifeCycle = await watch.metadata('instance-life-cycle').catch(() => null);
    if (lifeCycle !== null && lifeCycle.trim() !== 'spot') {
      options.log.info({ lifeCycle: lifeCycle.trim() }, 'not a Spot host: no interruption notice to watch for');
      return watch;
    }
    await watch.look();
    if (!watch.current) {
      watch.timer = setInterval(() => void watch.look(), options.intervalMs);
      watch.timer.unref();
    }
    return watch;
  }

  /** The notice, once one has come. */
  get noticed(): SpotInstanceAction | null {
    return this.current;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async look(): Promise<void> {
    if (this.current) return;
    try {
      const text = await this.metadata('spot/instance-action');
      if (text === null) {
        this.failing = false;
        return;
      }
      const parsed = JSON.parse(text) as Partial<SpotInstanceAction>;
      this.current = { action: String(parsed.action ?? 'unknown'), time: String(parsed.time ?? '') };
      this.stop();
      this.options.log.warn({ notice: this.current }, 'Spot interruption notice: taking no more builds; the running build goes on');
    } catch (error) {
      // The metadata service away for a moment must not stop builds: say so once, and keep looking.
      if (!this.failing) this.options.log.warn({ err: error }, 'cannot read the Spot interruption notice; still looking');
      this.failing = true;
    }
  }

  /** A metadata item's text, or null when it does not exist (404). */
  private async metadata(path: string): Promise<string | null> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.options.imdsUrl}/latest/meta-data/${path}`, {
        headers: { 'x-aws-ec2-metadata-token': await this.sessionToken() },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      // An expired or revoked token: take a new one, once.
      if (response.status === 401 && attempt === 1) {
        await response.body?.cancel();
        this.token = null;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`metadata ${path}: HTTP ${response.status}`);
      }
      return response.text();
    }
  }

  private async sessionToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const response = await fetch(`${this.options.imdsUrl}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`metadata token: HTTP ${response.status}`);
    }
    this.token = { value: await response.text(), expiresAt: Date.now() + TOKEN_TTL_SECONDS * 1000 };
    return this.token.value;
  }
}

/**
 * The agent's queue as seen through the watch: once a notice has come it takes nothing (each pull
 * waits out its time and finds nothing), and a build that arrives just as the notice comes is given
 * back at once for another agent.
 */
export function pauseOnNotice(consumer: BuildConsumer, watch: { readonly noticed: SpotInstanceAction | null }): BuildConsumer {
  return {
    async next(expiresMs: number): Promise<TakenBuild | null> {
      if (watch.noticed) {
        await new Promise((resolve) => setTimeout(resolve, expiresMs));
        return null;
      }
      const taken = await consumer.next(expiresMs);
      if (taken && watch.noticed) {
        taken.nak();
        return null;
      }
      return taken;
    },
  };
}
