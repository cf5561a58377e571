/** Live workers, as their heartbeats in the workers bucket say (entries expire when heartbeats stop). */
import { keys, liveWorkers, retryTransient, sendWorkerStop, type FarmConnection, type WorkerRecord } from '../../protocol/index.ts';
import { errors } from '../errors.ts';

const CACHE_MS = 1_000;

export class WorkerRegistry {
  private cache: { at: number; workers: Promise<WorkerRecord[]> } | null = null;

  constructor(private readonly farm: FarmConnection) {}

  /** Workers with a live heartbeat; cached for a second so busy pages cost one scan. */
  list(): Promise<WorkerRecord[]> {
    if (this.cache && Date.now() - this.cache.at < CACHE_MS) return this.cache.workers;
    const workers = retryTransient(() => this.scan());
    this.cache = { at: Date.now(), workers };
    workers.catch(() => (this.cache = null));
    return workers;
  }

  private async scan(): Promise<WorkerRecord[]> {
    return (await liveWorkers(this.farm)).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Drops the cached list, after a change the caller knows of (a worker just started). */
  invalidate(): void {
    this.cache = null;
  }

  /** Asks a worker to leave the farm; its running build returns to the queue. */
  async stop(id: string): Promise<void> {
    const entry = await this.farm.workers.get(keys.worker(id));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) throw errors.workerNotFound(id);
    sendWorkerStop(this.farm, id);
    this.cache = null;
  }
}
