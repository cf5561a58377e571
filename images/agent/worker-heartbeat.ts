/**
 * The agent's heartbeat. Every few seconds it writes this worker's record (what it is, since when,
 * which build it runs) to the workers bucket: that record is how the control plane and the scaler
 * know a live worker and what it is doing. It also renews the lease on the job directory of the
 * build it runs, so no agent's sweep (job-directories.ts) takes that directory for a dead one's.
 */
import type { Logger } from 'pino';
import type { Platform } from '../index.ts';
import { encode, keys, type FarmConnection, type WorkerInfo, type WorkerRecord } from '../../protocol/index.ts';
import type { JobDirectories } from './job-directories.ts';

const HEARTBEAT_MS = 5_000;

/** What the agent is doing now, read at each beat. */
export interface AgentActivity {
  /** `jobId/platform` of the build it runs; null when idle. */
  readonly currentBuild: string | null;
  /** The job directory it holds (named as in JobDirectories); null when none. */
  readonly jobDirName: string | null;
}

/** What the heartbeat reports and renews. */
export interface WorkerHeartbeatDeps {
  readonly farm: FarmConnection;
  readonly workerId: string;
  readonly worker: WorkerInfo;
  readonly platform: Platform;
  /** When the agent started (ISO 8601). */
  readonly startedAt: string;
  readonly jobDirs: JobDirectories;
  readonly activity: () => AgentActivity;
  readonly log: Logger;
}

/** Writes the worker record now and every HEARTBEAT_MS until stopped. */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: WorkerHeartbeatDeps) {}

  /** Beats once, then keeps beating. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One beat now (the agent beats as a build starts and ends, so the record says so at once). */
  async beat(): Promise<void> {
    const { farm, workerId, worker, platform, startedAt, jobDirs, activity, log } = this.deps;
    const now = activity();
    if (now.jobDirName) void jobDirs.renew([now.jobDirName]);
    const record: WorkerRecord = {
      ...worker,
      startedAt,
      heartbeatAt: new Date().toISOString(),
      currentBuild: now.currentBuild,
      platformDetails: platform,
    };
    await farm.workers.put(keys.worker(workerId), encode(record)).catch((error: Error) => {
      log.warn({ err: error }, 'heartbeat failed');
    });
  }
}
