/**
 * The farm's core-NATS signals (fire and forget, nothing stored): cancelling a build, asking a
 * worker to leave, and whether the connection is up. The control plane sends them, agents hear
 * them; neither touches the connection itself.
 */
import type { FarmConnection } from './jetstream.ts';
import { subjects } from './messages.ts';

/** Stops listening. */
export interface Listening {
  stop(): void;
}

/** Tells the agent running this job's build on `platform` (if any) to stop it. */
export function sendCancel(farm: FarmConnection, jobId: string, platform: string): void {
  farm.nc.publish(subjects.cancel(jobId, platform));
}

/** Asks one worker to leave the farm; its running build returns to the queue. */
export function sendWorkerStop(farm: FarmConnection, workerId: string): void {
  farm.nc.publish(subjects.workerStop(workerId));
}

/**
 * Calls `onCancel` with the job id of every cancel sent to `platform`'s agents. A refused
 * subscription (the farm's misconfiguration) calls `onError`, never `onCancel`.
 */
export function listenForCancels(farm: FarmConnection, platform: string, onCancel: (jobId: string) => void, onError: (error: Error) => void): Listening {
  const subscription = farm.nc.subscribe(subjects.platformCancels(platform), {
    // rfarm.cancel.<jobId>.<platform>
    callback: (error, message) => (error ? onError(error) : onCancel(message.subject.split('.')[2])),
  });
  return { stop: () => subscription.unsubscribe() };
}

/** Calls `onStop` when someone asks this worker to leave; a refused subscription calls `onError`. */
export function listenForWorkerStop(farm: FarmConnection, workerId: string, onStop: () => void, onError: (error: Error) => void): Listening {
  const subscription = farm.nc.subscribe(subjects.workerStop(workerId), {
    callback: (error) => (error ? onError(error) : onStop()),
  });
  return { stop: () => subscription.unsubscribe() };
}

/** Whether the connection is closed for good (it reconnects by itself otherwise). */
export function isConnectionClosed(farm: FarmConnection): boolean {
  return farm.nc.isClosed();
}

/** The round trip to the NATS server in milliseconds, or null when it does not answer. */
export async function natsRoundTrip(farm: FarmConnection): Promise<number | null> {
  return farm.nc.rtt().catch(() => null);
}
