/**
 * A Linux builder droplet on this machine: its cloud-config's files are written under a directory
 * standing for the droplet's root (same modes, same owners), its file-preparing boot commands run
 * there, and its first agent's worker container is started with the `docker run` line of its
 * rendered rfarm-agent-1 unit (a droplet running more agents has more units; the rehearsal starts
 * the first: dev's droplets run one). Only what cannot be the same here is changed: the image
 * (built here), the network (the host's, the docker bridge being off, so no `--hostname` either),
 * the paths (the droplet's root), the container name, the metrics port (every builder shares this
 * machine's addresses) and systemd's `%H` (the droplet's name).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { docker } from '../docker-engine.ts';
import { bootStep } from './boot-commands.ts';
import type { BootRecord } from './service-host.ts';
import { fileOf, parseUnit, type RenderedHost } from './rendered-stack.ts';

/** Options of one builder. */
export interface BuilderHostOptions {
  readonly host: RenderedHost;
  /** The worker image built here. */
  readonly image: string;
  readonly rootDir: string;
  readonly hosts: readonly string[];
  readonly metricsPort: number;
  readonly logDir: string;
}

/** The unit of a droplet's first agent (infra/user-data/linux-builder.ts `agentUnitName(1)`). */
const FIRST_AGENT_UNIT = 'rfarm-agent-1';

function owner(spec: string): { uid: number; gid: number } {
  const [user, group] = spec.split(':');
  const id = (name: string | undefined) => (name === undefined || name === 'root' ? 0 : Number(name));
  const uid = id(user);
  const gid = group === undefined ? uid : id(group);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`owner ${spec}: only root and numeric ids exist on a builder droplet`);
  return { uid, gid };
}

/** The `docker run` argv (after `docker`) of the rendered unit, adapted to this machine. */
export function adaptedRunArgv(
  execStart: string,
  options: Pick<BuilderHostOptions, 'image' | 'rootDir' | 'hosts' | 'metricsPort'>,
  container: string,
  renderedImage: string,
  hostName = container,
): string[] {
  const words = execStart.split(/\s+/).filter(Boolean);
  if (words[0] !== '/usr/bin/docker' || words[1] !== 'run') throw new Error(`rfarm-agent unit does not run docker: ${execStart}`);
  const out: string[] = ['run'];
  for (let index = 2; index < words.length; index += 1) {
    const word = words[index];
    const next = words[index + 1];
    if (word === '--name') {
      out.push(word, container);
      index += 1;
    } else if (word === '-p' || word === '--log-driver' || word === '--hostname') index += 1;
    else if (word === '--env' && next.includes('%H')) {
      out.push(word, next.replaceAll('%H', hostName));
      index += 1;
    } else if (word === '-v' || word === '--env-file') {
      const [source, ...rest] = next.split(':');
      out.push(word, [join(options.rootDir, source), ...rest].join(':'));
      index += 1;
    } else if (word === renderedImage)
      out.push(
        ...options.hosts.flatMap((entry) => ['--add-host', entry]),
        '--network',
        'host',
        '--env',
        `FARM_METRICS_PORT=${options.metricsPort}`,
        options.image,
      );
    else out.push(word);
  }
  return out;
}

/**
 * Writes a builder droplet's files under `rootDir` (same modes, same owners) and runs its
 * file-preparing boot commands there (`install -d`, `chown`, `chmod`, `mkdir`, paths rooted);
 * `startAgent` is called where the boot starts the rfarm-agent unit.
 */
export function prepareDroplet(host: RenderedHost, rootDir: string, startAgent: () => void = () => undefined): BootRecord[] {
  const records: BootRecord[] = [];
  for (const file of host.cloudConfig.files) {
    const path = join(rootDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    chmodSync(path, parseInt(file.permissions, 8));
    const { uid, gid } = owner(file.owner);
    chownSync(path, uid, gid);
  }
  for (const command of [...host.cloudConfig.bootCommands, ...host.cloudConfig.commands]) {
    const step = bootStep(command);
    if (step.kind === 'run' && /^(install -d|chown|chmod|mkdir) /.test(command)) {
      // Paths are absolute droplet paths: the same command, rooted under the droplet's directory.
      const rooted = command.replace(/(\s)(\/[^\s]*)/g, (_, space: string, path: string) => `${space}${join(rootDir, path)}`);
      const result = spawnSyncText('sh', ['-c', rooted]);
      records.push({ host: host.name, step, exitCode: result.code, output: result.output });
    } else if (step.kind === 'run') {
      records.push({ host: host.name, step: { kind: 'skip', command, reason: 'a droplet command outside the files it writes; not run on this machine' } });
    } else {
      records.push({ host: host.name, step });
      if (step.kind === 'start' && step.units.includes(FIRST_AGENT_UNIT)) startAgent();
    }
  }
  return records;
}

/** A booted builder. */
export class BuilderHost {
  readonly container: string;
  readonly records: BootRecord[] = [];
  child: ChildProcess | null = null;
  private argv: string[] = [];

  constructor(readonly options: BuilderHostOptions) {
    this.container = `rfarm-rehearsal-${options.host.name}`;
  }

  /** Writes the files, runs the file-preparing commands under the root, starts the worker container. */
  boot(): void {
    this.records.push(...prepareDroplet(this.options.host, this.options.rootDir, () => this.start()));
  }

  private start(): void {
    const unitText = fileOf(this.options.host, `/etc/systemd/system/${FIRST_AGENT_UNIT}.service`).content;
    const unit = parseUnit(unitText);
    const renderedImage = /ExecStartPre=\/usr\/bin\/docker pull (\S+)/.exec(unitText)?.[1] ?? '';
    this.argv = adaptedRunArgv(unit.execStart, this.options, this.container, renderedImage, this.options.host.name);
    this.run();
  }

  /** Restarts seen (systemd's `Restart=always`, `RestartSec=10` of the rendered unit). */
  restarts = 0;
  private stopping = false;

  /** Starts the container, and starts it again 10 s after it exits, as the unit's `Restart=always` does. */
  run(): void {
    try {
      docker(['rm', '--force', this.container]);
    } catch {
      // None.
    }
    const log = createWriteStream(join(this.options.logDir, `${this.options.host.name}.log`), { flags: 'a' });
    const child = spawn('docker', this.argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('exit', () => {
      if (this.stopping) return;
      this.restarts += 1;
      setTimeout(() => this.stopping || this.run(), 10_000);
    });
    this.child = child;
  }

  /** Kills the container outright, as a lost droplet. */
  kill(): void {
    try {
      docker(['kill', this.container]);
    } catch {
      // Gone.
    }
  }

  remove(): void {
    this.stopping = true;
    try {
      docker(['rm', '--force', this.container]);
    } catch {
      // Gone.
    }
  }
}

function spawnSyncText(command: string, args: readonly string[]): { code: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}`.slice(-1500) };
}
