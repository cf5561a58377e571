/**
 * A day of the farm on a simulated clock: builds arrive, the scaler (the real `decidePool`) ticks,
 * hosts boot, their agents take builds (one each, `agentsPerHost` per host) and hosts stop. Pure and fast: no timers, no I/O, one-second
 * steps. Spot hosts may be reclaimed mid-build; their build is not re-queued by the scaler but
 * comes back as JetStream redelivers it (the agent's ack wait after its last progress ack), which
 * is what the farm does.
 */
import { agentWorkerId, decidePool, EMPTY_MEMORY, type PoolLimits, type PoolMemory, type ScalingSettings } from '../pool-decision.ts';
import { seededRandom } from './build-arrivals.ts';

/** One pool in the simulation. */
export interface SimulatedPool {
  readonly platform: string;
  /** OS family the targets are reported by. */
  readonly family: string;
  readonly limits: PoolLimits;
  /** From launch to first heartbeat. */
  readonly bootSeconds: number;
  /** Arrival instants (seconds into the day) of this platform's builds. */
  readonly arrivals: readonly number[];
  /** Duration of one build, drawn per build. */
  readonly buildSeconds: (random: () => number) => number;
  /** Chance that a running host is reclaimed within an hour (Spot); 0 for on-demand. */
  readonly reclaimPerHour?: number;
  /** This pool's `ScalingSettings.backlogPerHost`. */
  readonly backlogPerHost?: number;
  /** Agents per host, each running one build at a time (`ScalingSettings.agentsPerHost`). Default 1. */
  readonly agentsPerHost?: number;
  /** This pool's `ScalingSettings.coolDownMs`; default the farm's. */
  readonly coolDownMs?: number;
}

/** How the simulated farm behaves. */
export interface SimulationOptions {
  readonly pools: readonly SimulatedPool[];
  readonly settings: ScalingSettings;
  /** Scaler period. */
  readonly tickSeconds: number;
  /** JetStream ack wait: how long after a host vanishes its build is redelivered. */
  readonly ackWaitSeconds: number;
  readonly seed: number;
}

/** What one pool did over the day. */
export interface PoolReport {
  readonly platform: string;
  readonly family: string;
  readonly builds: number;
  readonly served: number;
  /** Agents each host ran. */
  readonly agentsPerHost: number;
  /** Queue waits in seconds, one per build: submission to the start of its last attempt, less earlier attempts' run time. */
  readonly waits: readonly number[];
  /** Sum of every host's life, launch to stop, in hours. */
  readonly hostHours: number;
  /** Each host's life rounded up to whole hours (hourly billing). */
  readonly hostHoursRoundedUp: number;
  readonly peakHosts: number;
  readonly launches: number;
  readonly reclaimed: number;
  readonly redelivered: number;
}

interface Host {
  id: string;
  launchedAt: number;
  readyAt: number;
  stoppedAt: number | null;
  /** One entry per agent: the build it runs, or null. */
  agents: (Build | null)[];
}
interface Build {
  arrivedAt: number;
  seconds: number;
  startedAt: number | null;
  finishedAt: number | null;
  lostRun: number;
}

const ONE_DAY = 24 * 60 * 60;

/** Runs the day, then keeps the clock going until every build has finished and every pool is idle. */
export function simulateDay(options: SimulationOptions): PoolReport[] {
  const random = seededRandom(options.seed);
  return options.pools.map((pool) => simulatePool(pool, options, random));
}

function simulatePool(pool: SimulatedPool, options: SimulationOptions, random: () => number): PoolReport {
  const builds: Build[] = pool.arrivals.map((arrivedAt) => ({
    arrivedAt,
    seconds: Math.max(1, Math.round(pool.buildSeconds(random))),
    startedAt: null,
    finishedAt: null,
    lostRun: 0,
  }));
  const queue: Build[] = [];
  const redeliveries: Array<{ at: number; build: Build }> = [];
  const hosts: Host[] = [];
  let live: Host[] = [];
  let memory: PoolMemory = EMPTY_MEMORY;
  let nextArrival = 0;
  let nextHostId = 0;
  let peakHosts = 0;
  let reclaimed = 0;
  let redelivered = 0;
  const reclaimPerSecond = (pool.reclaimPerHour ?? 0) / 3600;
  const agentsPerHost = Math.max(1, Math.floor(pool.agentsPerHost ?? 1));
  const deadline = ONE_DAY * 2;
  for (let now = 0; now < deadline; now++) {
    while (nextArrival < builds.length && builds[nextArrival].arrivedAt <= now) queue.push(builds[nextArrival++]);
    for (let i = redeliveries.length - 1; i >= 0; i--) {
      if (redeliveries[i].at <= now) {
        queue.unshift(redeliveries[i].build);
        redeliveries.splice(i, 1);
        redelivered++;
      }
    }
    for (const host of live) {
      for (let slot = 0; slot < host.agents.length; slot++) {
        const build = host.agents[slot];
        if (build && build.startedAt! + build.seconds <= now) {
          build.finishedAt = now;
          host.agents[slot] = null;
        }
      }
      if (reclaimPerSecond > 0 && random() < reclaimPerSecond) {
        host.stoppedAt = now;
        reclaimed++;
        for (let slot = 0; slot < host.agents.length; slot++) {
          const build = host.agents[slot];
          if (!build) continue;
          build.lostRun += now - build.startedAt!;
          build.startedAt = null;
          redeliveries.push({ at: now + options.ackWaitSeconds, build });
          host.agents[slot] = null;
        }
        continue;
      }
      for (let slot = 0; slot < host.agents.length && host.readyAt <= now && queue.length > 0; slot++) {
        if (host.agents[slot]) continue;
        const build = queue.shift()!;
        build.startedAt = now;
        host.agents[slot] = build;
      }
    }
    live = live.filter((host) => host.stoppedAt === null);
    if (now % options.tickSeconds === 0) {
      const decision = decidePool(
        {
          queued: queue.length,
          hosts: live.map((host) => ({ id: host.id, name: host.id })),
          workers: live
            .filter((host) => host.readyAt <= now)
            .flatMap((host) => host.agents.map((build, slot) => ({ host: host.id, id: agentWorkerId(host.id, slot + 1), busy: build !== null }))),
        },
        pool.limits,
        memory,
        now * 1000,
        {
          ...options.settings,
          backlogPerHost: pool.backlogPerHost ?? options.settings.backlogPerHost,
          agentsPerHost,
          coolDownMs: pool.coolDownMs ?? options.settings.coolDownMs,
        },
      );
      memory = decision.memory;
      for (const id of decision.remove) {
        const host = live.find((candidate) => candidate.id === id)!;
        if (host.agents.some(Boolean)) throw new Error(`the scaler stopped host ${id} while it ran a build`);
        host.stoppedAt = now;
      }
      live = live.filter((host) => host.stoppedAt === null);
      for (let i = 0; i < decision.launch; i++) {
        const host: Host = {
          id: `${pool.platform}-${nextHostId++}`,
          launchedAt: now,
          readyAt: now + pool.bootSeconds,
          stoppedAt: null,
          agents: Array.from({ length: agentsPerHost }, () => null),
        };
        hosts.push(host);
        live.push(host);
      }
      peakHosts = Math.max(peakHosts, live.length);
    }
    const settled =
      now >= ONE_DAY && queue.length === 0 && redeliveries.length === 0 && nextArrival === builds.length && live.every((host) => !host.agents.some(Boolean));
    if (settled && live.length <= pool.limits.min) {
      for (const host of hosts) host.stoppedAt ??= now;
      break;
    }
  }
  const end = deadline;
  const lives = hosts.map((host) => ((host.stoppedAt ?? end) - host.launchedAt) / 3600);
  const served = builds.filter((build) => build.finishedAt !== null);
  return {
    platform: pool.platform,
    family: pool.family,
    builds: builds.length,
    served: served.length,
    agentsPerHost,
    waits: served.map((build) => build.finishedAt! - build.seconds - build.arrivedAt - build.lostRun),
    hostHours: sum(lives),
    hostHoursRoundedUp: sum(lives.map((hours) => Math.ceil(hours))),
    peakHosts,
    launches: hosts.length,
    reclaimed,
    redelivered,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The `fraction` quantile (0.95 for p95) of `values`, nearest rank. */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}
