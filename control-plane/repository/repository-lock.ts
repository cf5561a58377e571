/**
 * One writer of the repository at a time, across every control plane sharing the farm: a KV entry
 * created only if absent. The holder refreshes it while it works; an entry nobody refreshed for
 * `staleMs` belongs to a crashed holder and is taken over (by revision, so only one taker wins).
 */
import { randomBytes } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { decode, encode } from '../../protocol/index.ts';

interface LockEntry {
  readonly owner: string;
  readonly at: number;
}

const KEY = 'repository.lock';

/** Raised when the lock could not be had in time. */
export class RepositoryBusy extends Error {
  override name = 'RepositoryBusy';
}

export class RepositoryLock {
  constructor(
    private readonly kv: KV,
    private readonly staleMs = 60_000,
    private readonly waitMs = 120_000,
  ) {}

  /** Runs `work` holding the lock. */
  async withLock<T>(work: () => Promise<T>): Promise<T> {
    const owner = randomBytes(8).toString('hex');
    let revision = await this.acquire(owner);
    const refresh = setInterval(() => {
      void this.kv.update(KEY, encode({ owner, at: Date.now() } satisfies LockEntry), revision).then(
        (next) => (revision = next),
        () => undefined,
      );
    }, this.staleMs / 4);
    try {
      return await work();
    } finally {
      clearInterval(refresh);
      await this.kv.delete(KEY, { previousSeq: revision }).catch(() => undefined);
    }
  }

  private async acquire(owner: string): Promise<number> {
    const deadline = Date.now() + this.waitMs;
    const mine = encode({ owner, at: Date.now() } satisfies LockEntry);
    for (let pause = 20; Date.now() < deadline; pause = Math.min(pause * 2, 500)) {
      try {
        return await this.kv.create(KEY, mine);
      } catch {
        const entry = await this.kv.get(KEY);
        if (entry && entry.operation === 'PUT' && Date.now() - decode<LockEntry>(entry.value).at > this.staleMs) {
          const taken = await this.kv.update(KEY, mine, entry.revision).catch(() => null);
          if (taken !== null) return taken;
        }
      }
      await new Promise((done) => setTimeout(done, pause));
    }
    throw new RepositoryBusy(`the repository stayed locked by another writer for ${this.waitMs / 1000} s`);
  }
}
