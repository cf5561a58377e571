/**
 * Agent containers of the local farm: one per platform image, running the agent of this checkout
 * (mounted read-only) on the host's network, so it reaches NATS, the control plane and sysreqs on
 * loopback exactly as a host agent does. The container is the platform's whole userland: its R,
 * its compilers, and the OS packages the sysreqs service names, installed inside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_USER, CONTAINER_DATA_DIR, agentContainerFlags, findPlatform, hasImage, locallyBuildablePlatforms, type ImagePlatform } from '../images/index.ts';
import { docker } from './docker-engine.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** A FARM_PLATFORMS value that names no platform the local farm can build; the message lists those it can. */
export class UnknownLocalPlatformError extends Error {
  override name = 'UnknownLocalPlatformError';
}

/**
 * The platforms `FARM_PLATFORMS` names: a comma list of catalogue ids, or `all-local` for every
 * platform whose image builds without a registry. Empty or unset: none (the host agent only).
 */
export function parseFarmPlatforms(value: string | undefined): ImagePlatform[] {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const buildable = locallyBuildablePlatforms().filter(hasImage);
  const chosen: ImagePlatform[] = [];
  for (const name of names) {
    if (name === 'all-local') {
      chosen.push(...buildable);
      continue;
    }
    const platform = findPlatform(name);
    if (!platform || !hasImage(platform)) {
      throw new UnknownLocalPlatformError(
        `FARM_PLATFORMS: '${name}' is not a Linux platform of the catalogue; use all-local or some of: ${buildable.map((entry) => entry.id).join(', ')}`,
      );
    }
    chosen.push(platform);
  }
  return [...new Map(chosen.map((platform) => [platform.id, platform])).values()];
}

/** What one agent container is started with. */
export interface PlatformContainerSpec {
  readonly platform: ImagePlatform;
  /** The image's tag (platform-images.ts). */
  readonly image: string;
  /** The farm's agent environment (NATS_URL, FARM_SYSREQS_URL, FARM_R_REPOS, …); data paths are replaced. */
  readonly agentEnv: Readonly<Record<string, string>>;
  /** The farm's data directory: the container's own directory is made under it. */
  readonly farmDataDir: string;
  /** Worker id; also names the container. */
  readonly workerId: string;
  readonly stdio?: 'inherit' | 'ignore';
}

/** Paths the agent reads from the host, mounted read-only at the same place: the checkout, and node_modules where it is a link. */
function checkoutMounts(): string[] {
  const mounts = [ROOT];
  const modules = join(ROOT, 'node_modules');
  if (existsSync(modules)) {
    const real = realpathSync(modules);
    if (relative(ROOT, real).startsWith('..')) mounts.push(real);
  }
  return mounts.flatMap((path) => ['--volume', `${path}:${path}:ro`]);
}

/** The container's name: the worker id plus a digest of the farm's data directory, so two farms never collide. */
export function containerName(spec: Pick<PlatformContainerSpec, 'workerId' | 'farmDataDir'>): string {
  const farm = createHash('sha256').update(resolve(spec.farmDataDir)).digest('hex').slice(0, 8);
  return `rfarm-${farm}-${spec.workerId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** The argv after `docker` that runs the agent container in the foreground. */
export function dockerRunArgv(spec: PlatformContainerSpec, dataDir: string): string[] {
  const env: Record<string, string> = {
    ...spec.agentEnv,
    FARM_PLATFORM: spec.platform.id,
    FARM_WORKER_ID: spec.workerId,
    FARM_DATA_DIR: CONTAINER_DATA_DIR,
    FARM_DEPENDENCY_CACHE: `${CONTAINER_DATA_DIR}/dependency-cache`,
    // The container is disposable userland: system requirements go into it, never onto the person's machine.
    FARM_INSTALL_SYSREQS: '1',
  };
  // The host network is shared: a metrics port would collide with the host agent's.
  delete env.FARM_METRICS_PORT;
  // The farm's pid means nothing in the container's pid namespace; the farm stops its containers itself.
  delete env.FARM_OWNER_PID;
  const credentials = env.NATS_CREDS ? ['--volume', `${env.NATS_CREDS}:${env.NATS_CREDS}:ro`] : [];
  return [
    'run',
    '--rm',
    '--name',
    containerName(spec),
    '--network',
    'host',
    ...agentContainerFlags(),
    '--label',
    `org.rfarm.farm=${resolve(spec.farmDataDir)}`,
    ...checkoutMounts(),
    ...credentials,
    '--volume',
    `${dataDir}:${CONTAINER_DATA_DIR}`,
    '--workdir',
    ROOT,
    ...Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
    spec.image,
    'node',
    '--import',
    'tsx',
    'images/agent/main.ts',
  ];
}

/**
 * One agent container, with the same life cycle as the farm's agent processes: start, alive, stop,
 * and kill (SIGKILL: the container and its running build vanish at once, as a lost host does).
 */
export class PlatformContainer {
  child: ChildProcess | null = null;
  /** The end of its error output, for saying why it died. */
  stderrTail = '';
  readonly name: string;
  private readonly dataDir: string;

  constructor(readonly spec: PlatformContainerSpec) {
    this.name = containerName(spec);
    this.dataDir = join(resolve(spec.farmDataDir), 'containers', spec.workerId);
  }

  start(): void {
    // A container of an earlier run of this farm that was never stopped (the farm was killed) holds the name.
    try {
      docker(['rm', '--force', this.name]);
    } catch {
      // None there.
    }
    mkdirSync(this.dataDir, { recursive: true });
    chownSync(this.dataDir, AGENT_USER.uid, AGENT_USER.gid);
    const stdio = this.spec.stdio ?? 'ignore';
    this.child = spawn('docker', dockerRunArgv(this.spec, this.dataDir), { stdio: ['ignore', stdio, stdio === 'inherit' ? 'inherit' : 'pipe'] });
    this.child.stderr?.on('data', (chunk) => (this.stderrTail = (this.stderrTail + chunk).slice(-4000)));
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the container outright (its build with it), as a crashed host would. */
  kill(): void {
    try {
      docker(['kill', this.name]);
    } catch {
      // Already gone.
    }
  }

  /** Stops the agent (SIGTERM inside the container, SIGKILL after 10 s) and waits for the container to go. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((done) => child.once('exit', done));
    try {
      docker(['stop', '--time', '10', this.name]);
    } catch {
      // Never started or already gone; the client exits with it.
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** What `startPlatformContainers` needs from the farm it joins. */
export interface PlatformFarm {
  /** The farm's agent environment (LocalFarm.options.agentEnv). */
  readonly agentEnv: Readonly<Record<string, string>>;
  readonly farmDataDir: string;
  readonly stdio?: 'inherit' | 'ignore';
  /** The NATS credentials file of a platform's agents (LocalFarm.natsAuth.agentCreds); absent on a NATS without auth. */
  readonly natsCredsFor?: (platformId: string) => string;
}

/**
 * A copy of a platform's credentials the container's agent (uid 10001) can read: the farm's own
 * file is root's, 0600. It stays in the farm's credentials directory (0700), so on the host only
 * root reaches it.
 */
function containerCreds(hostCreds: string): string {
  const copy = hostCreds.replace(/\.creds$/, '.container.creds');
  copyFileSync(hostCreds, copy);
  chownSync(copy, AGENT_USER.uid, AGENT_USER.gid);
  chmodSync(copy, 0o600);
  return copy;
}

/** The environment of one platform's agent container: the farm's, with that platform's own NATS credentials. */
export function containerAgentEnv(farm: PlatformFarm, platformId: string): Readonly<Record<string, string>> {
  return farm.natsCredsFor ? { ...farm.agentEnv, NATS_CREDS: containerCreds(farm.natsCredsFor(platformId)) } : farm.agentEnv;
}

/** Starts one agent container per platform from already built images (tags by platform id). */
export function startPlatformContainers(farm: PlatformFarm, images: ReadonlyMap<ImagePlatform, string>): PlatformContainer[] {
  return [...images].map(([platform, image]) => {
    const container = new PlatformContainer({
      platform,
      image,
      agentEnv: containerAgentEnv(farm, platform.id),
      farmDataDir: farm.farmDataDir,
      workerId: `${platform.id}-container`,
      stdio: farm.stdio,
    });
    container.start();
    return container;
  });
}
