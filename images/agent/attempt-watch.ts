/**
 * While an attempt runs, its queue message must stay this agent's and the agent must learn what
 * the farm decided meanwhile. Every third of the ack wait this tells JetStream the message is
 * still being worked on (so it is not redelivered elsewhere) and reads the build record, to
 * notice a cancel the agent did not hear, or another attempt that finished the build while this
 * agent was cut off.
 */
import { isTerminal, keys, readRecord, type BuildRecord, type FarmConnection, type TakenBuild } from '../../protocol/index.ts';

/** Starts watching an attempt; call the returned function when the attempt ends. */
export function watchAttempt(farm: FarmConnection, msg: TakenBuild, build: BuildRecord, cancel: AbortController, ackWaitSeconds: number): () => void {
  const progress = setInterval(
    () => {
      msg.working();
      readRecord<BuildRecord>(farm.jobs, keys.build(build.jobId, build.platform))
        .then((current) => {
          if (current?.value.status === 'CANCELLED') cancel.abort('cancelled');
          // Another attempt finished the build (the queue redelivered it while we were cut off).
          else if (current && isTerminal(current.value.status) && current.value.attempt !== build.attempt) cancel.abort('superseded');
        })
        .catch(() => undefined); // NATS away for a moment: the next tick asks again
    },
    Math.max(1_000, (ackWaitSeconds * 1000) / 3),
  );
  return () => clearInterval(progress);
}
