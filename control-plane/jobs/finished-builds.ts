/**
 * Follows the build records and hands each finished build to `onBuild`: what publishing, badges and
 * GitHub check runs react to. A control plane that starts late catches up on builds that finished
 * within `catchUpMs` (the watch replays every record's latest value first); older ones are skipped.
 */
import type { KV } from '@nats-io/kv';
import { decode, isTerminal, type BuildRecord } from '../../protocol/index.ts';

export interface FinishedBuildWatch {
  stop(): void;
}

export interface FinishedBuildOptions {
  /** How far back a (re)started watch still acts on builds that finished while it was away. */
  readonly catchUpMs: number;
  /** Builds to pass over without calling `onBuild` (cheap checks only). */
  readonly skip?: (build: BuildRecord) => boolean;
  readonly onBuild: (build: BuildRecord) => Promise<void>;
  /** A failure of `onBuild` for one build; the watch goes on. */
  readonly onError: (error: Error, build: BuildRecord) => void;
}

/** Starts watching; resolves once the watch is set up (builds are handled in the background, one at a time). */
export async function watchFinishedBuilds(jobs: KV, options: FinishedBuildOptions): Promise<FinishedBuildWatch> {
  const startedAt = Date.now();
  let stopped = false;
  const iterator = await jobs.watch({ key: 'build.*.*' });
  void (async () => {
    for await (const entry of iterator) {
      if (stopped) break;
      if (entry.operation !== 'PUT' || entry.value.length === 0) continue;
      const build = decode<BuildRecord>(entry.value);
      if (!isTerminal(build.status) || options.skip?.(build)) continue;
      if (build.finishedAt && startedAt - Date.parse(build.finishedAt) > options.catchUpMs) continue;
      await options.onBuild(build).catch((error: Error) => options.onError(error, build));
    }
  })();
  return {
    stop: () => {
      stopped = true;
      iterator.stop();
    },
  };
}
