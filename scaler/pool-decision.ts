/**
 * How big one builder pool should be, decided from what the farm shows: builds waiting in the
 * platform's queue, the hosts the provider reports, and the workers' heartbeats. Pure: the same
 * observation, memory and clock always give the same decision, so the simulated day and the live
 * scaler run the very same code.
 *
 * Capacity is counted in agents, not hosts: an agent takes one build at a time and a host runs
 * `agentsPerHost` of them (infra/sizing.ts sizes it from the host's vCPUs and memory). A pool needs
 * one agent per running build plus one per waiting build, so ⌈agents / agentsPerHost⌉ hosts (and
 * never fewer than the hosts running builds), within the stack's min and max. A host with any
 * agent running a build is never chosen to stop; a host whose agents are all idle stops only after
 * it has been idle for the cool-down, so a burst does not pay for a boot per build. A host that
 * never sent a heartbeat by the boot deadline is replaced: whatever builds it held are redelivered
 * by JetStream once their ack wait passes.
 */

/** The stack's bounds of a pool (stacks/Pulumi.<stack>.yaml `rfarm:pools`). */
export interface PoolLimits {
  /** Fewest hosts; 0 lets the pool scale to zero. */
  readonly min: number;
  /** Most hosts. */
  readonly max: number;
}

/** A host the provider reports in the pool, booting or running. */
export interface PoolHost {
  /** The provider's id: droplet id, EC2 instance id. */
  readonly id: string;
  /**
   * The name its workers report as `host` in their heartbeats, or the worker id they are named by
   * (`<name>` for a lone agent, `<name>-agent-<n>` for the n-th agent of a host: agentWorkerId).
   */
  readonly name: string;
}

/** The worker id of the `slot`-th (1-based) agent on a host whose provider name is `host`. */
export function agentWorkerId(host: string, slot: number): string {
  return `${host}-agent-${slot}`;
}

/** A live worker's heartbeat, reduced to what scaling needs. */
export interface WorkerHeartbeat {
  /** Host name the worker runs on (`WorkerRecord.host`). */
  readonly host: string;
  /**
   * The worker's id (`WorkerRecord.id`). A host is matched by name or by this id: Windows on EC2
   * cannot take its instance id as a computer name, so its agent takes it as worker id instead.
   */
  readonly id?: string;
  /** Whether it runs a build now (`WorkerRecord.currentBuild !== null`). */
  readonly busy: boolean;
}

/** What the farm shows of one pool at one instant. */
export interface PoolObservation {
  /** Builds in the platform's queue that no worker has taken. */
  readonly queued: number;
  readonly hosts: readonly PoolHost[];
  /** Heartbeats of the platform's workers (others' are ignored by host name). */
  readonly workers: readonly WorkerHeartbeat[];
}

/** Timing knobs, the same for every pool of a farm. */
export interface ScalingSettings {
  /** How long a host stays idle before it may stop. */
  readonly coolDownMs: number;
  /** How long a new host has to send its first heartbeat before it counts as lost. */
  readonly bootDeadlineMs: number;
  /**
   * Waiting builds each live host is trusted to absorb before another host is started: a host
   * that frees up in a build's time beats one that boots for minutes. 0 (the default) starts a
   * host per waiting build. A queue with no live host always starts one at once.
   */
  readonly backlogPerHost?: number;
  /** Agents (build slots) each host of the pool runs. Default 1. */
  readonly agentsPerHost?: number;
}

/** What the scaler remembers of a pool between decisions (times in ms since the epoch). */
export interface PoolMemory {
  /** Host id → when the scaler first saw it. */
  readonly firstSeen: Readonly<Record<string, number>>;
  /** Host id → since when it has been idle without a break. */
  readonly idleSince: Readonly<Record<string, number>>;
}

/** A pool's decision. */
export interface PoolDecision {
  /** Hosts the pool should have once `remove` are gone and `launch` have been asked for. */
  readonly desired: number;
  /** New hosts to ask for. */
  readonly launch: number;
  /** Ids of hosts to stop: idle past the cool-down, or lost while booting. Never a busy host. */
  readonly remove: readonly string[];
  readonly memory: PoolMemory;
  /** One line for the log. */
  readonly reason: string;
}

/** Memory of a pool the scaler has not seen yet. */
export const EMPTY_MEMORY: PoolMemory = Object.freeze({ firstSeen: {}, idleSince: {} });

/** The pool's next size within `limits`, which hosts to stop and how many to start. */
export function decidePool(observation: PoolObservation, limits: PoolLimits, memory: PoolMemory, now: number, settings: ScalingSettings): PoolDecision {
  const agentsPerHost = Math.max(1, Math.floor(settings.agentsPerHost ?? 1));
  const firstSeen: Record<string, number> = {};
  const idleSince: Record<string, number> = {};
  const busy: PoolHost[] = [];
  const idle: PoolHost[] = [];
  const booting: PoolHost[] = [];
  const lost: PoolHost[] = [];
  let busyAgents = 0;
  let idleAgents = 0;
  for (const host of observation.hosts) {
    firstSeen[host.id] = memory.firstSeen[host.id] ?? now;
    const agents = observation.workers.filter((worker) => runsOn(worker, host));
    const running = agents.filter((worker) => worker.busy).length;
    busyAgents += running;
    idleAgents += agents.length - running;
    if (running > 0) busy.push(host);
    else if (agents.length > 0) {
      idle.push(host);
      idleSince[host.id] = memory.idleSince[host.id] ?? now;
    } else if (now - firstSeen[host.id] < settings.bootDeadlineMs) booting.push(host);
    else lost.push(host);
  }
  const live = busy.length + idle.length + booting.length;
  const tolerated = Math.floor(settings.backlogPerHost ?? 0) * live;
  const wantedAgents = busyAgents + Math.max(0, observation.queued - tolerated);
  const wanted = clamp(Math.max(busy.length, Math.ceil(wantedAgents / agentsPerHost)), limits.min, limits.max);
  const remove = lost.map((host) => host.id);
  let launch = 0;
  if (wanted > live) launch = wanted - live;
  // While builds wait, idle hosts are about to take them: nothing stops.
  else if (wanted < live && observation.queued === 0) {
    // Over max (limits lowered), idle hosts go at once; otherwise only after the cool-down.
    const overMax = Math.max(0, live - limits.max);
    const cooled = [...idle].sort((a, b) => idleSince[a.id] - idleSince[b.id]);
    let surplus = live - wanted;
    for (const host of cooled) {
      if (surplus === 0) break;
      const pastCoolDown = now - idleSince[host.id] >= settings.coolDownMs;
      if (!pastCoolDown && remove.length - lost.length >= overMax) break;
      remove.push(host.id);
      surplus--;
    }
  }
  for (const id of remove) {
    delete idleSince[id];
    delete firstSeen[id];
  }
  const desired = live - (remove.length - lost.length) + launch;
  const agents = agentsPerHost > 1 ? `, agents busy ${busyAgents} idle ${idleAgents} (${agentsPerHost} per host)` : '';
  const reason = `queued ${observation.queued}, busy ${busy.length}, idle ${idle.length}, booting ${booting.length}, lost ${lost.length}${agents} → ${desired} host(s) (min ${limits.min}, max ${limits.max})`;
  return { desired, launch, remove, memory: { firstSeen, idleSince }, reason };
}

/**
 * Whether a heartbeat comes from an agent on `host`: by host name (droplets and Macs, whose
 * hostname is the provider's name) or by worker id, the host's own (a lone Windows agent takes its
 * EC2 instance id) or one of its agents' (`agentWorkerId`).
 */
function runsOn(worker: WorkerHeartbeat, host: PoolHost): boolean {
  if (worker.host === host.name) return true;
  if (!worker.id) return false;
  return worker.id === host.name || (worker.id.startsWith(`${host.name}-agent-`) && /^\d+$/.test(worker.id.slice(host.name.length + 7)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
