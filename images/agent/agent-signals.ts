/**
 * The two signals the farm sends an agent outside its queue: cancel a job (on every agent of the
 * platform; only the one running a build of that job acts) and stop this worker (the scaler's or an
 * operator's request). A refused subscription calls back with an error and no message: that is
 * the farm's misconfiguration to report, never a cancel or a stop request.
 */
import type { Logger } from 'pino';
import { listenForCancels, listenForWorkerStop, type FarmConnection, type Listening } from '../../protocol/index.ts';

/** What the agent is running now, so a cancel can reach it. */
export interface RunningBuild {
  readonly jobId: string;
  readonly platform: string;
  readonly cancel: AbortController;
}

/** Whom the signals reach. */
export interface AgentSignalsDeps {
  readonly farm: FarmConnection;
  readonly platformId: string;
  readonly workerId: string;
  /** The build running now, if any. */
  readonly running: () => RunningBuild | null;
  /** Stops the agent (agent.ts). */
  readonly stop: () => void;
  readonly log: Logger;
}

/** Subscribes to cancels and the stop request; stop each returned subscription when leaving. */
export function listenForAgentSignals(deps: AgentSignalsDeps): Listening[] {
  const { farm, log } = deps;
  const onCancel = (jobId: string) => {
    const running = deps.running();
    if (running?.jobId === jobId) {
      log.info({ jobId }, 'cancel requested');
      running.cancel.abort('cancelled');
    }
  };
  return [
    listenForCancels(farm, deps.platformId, onCancel, (error) => log.error({ err: error }, 'cannot hear cancels')),
    listenForWorkerStop(farm, deps.workerId, deps.stop, (error) => log.error({ err: error }, 'cannot hear stop requests')),
  ];
}
