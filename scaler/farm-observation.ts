/**
 * What the farm shows the scaler, read over NATS through the protocol's names: each platform's
 * messages in the builds work queue (`RFARM_BUILDS`, one subject per platform) and the live
 * workers' heartbeats (`rfarm_workers`, entries expire when heartbeats stop), with nothing but the
 * scaler's own role (protocol/permissions.ts `scalerPermissions`). A work-queue message
 * stays until its worker acks it, so a running build is still counted there: waiting builds are
 * the subject's messages less the platform's busy workers.
 */
import { BUILDS_STREAM, liveWorkers, storedCounts, subjects, type FarmConnection } from '../protocol/index.ts';
import type { WorkerHeartbeat } from './pool-decision.ts';

/** One platform as the farm shows it; its hosts come from the provider. */
export interface PlatformLoad {
  /** Builds in the queue that no worker runs yet. */
  readonly queued: number;
  readonly workers: readonly WorkerHeartbeat[];
}

/** Queue depth and heartbeats of every platform that has either. */
export async function observeFarm(farm: FarmConnection): Promise<Map<string, PlatformLoad>> {
  const counts = await storedCounts(farm, BUILDS_STREAM, subjects.allBuildQueues);
  const messages = new Map<string, number>();
  for (const [subject, count] of Object.entries(counts)) messages.set(subject.slice(subjects.buildQueue('').length), count);
  const heartbeats = new Map<string, WorkerHeartbeat[]>();
  for (const record of await liveWorkers(farm)) {
    const list = heartbeats.get(record.platform) ?? [];
    list.push({ host: record.host, id: record.id, busy: record.currentBuild !== null });
    heartbeats.set(record.platform, list);
  }
  const loads = new Map<string, PlatformLoad>();
  for (const platform of new Set([...messages.keys(), ...heartbeats.keys()])) {
    const workers = heartbeats.get(platform) ?? [];
    const busy = workers.filter((worker) => worker.busy).length;
    loads.set(platform, { queued: Math.max(0, (messages.get(platform) ?? 0) - busy), workers });
  }
  return loads;
}
