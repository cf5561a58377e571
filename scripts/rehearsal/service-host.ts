/**
 * One of the farm's own droplets (NATS node, control plane, monitoring) as a container on this
 * machine: Debian 12 with the packages its cloud-init names, on the host network, its files
 * written with their modes and owners, its boot commands run (or skipped, with the reason), and
 * its systemd units started from their rendered files. Its private address is a loopback address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { docker } from '../docker-engine.ts';
import { bootStep, type BootStep } from './boot-commands.ts';
import { parseEnvFile, parseUnit, type RenderedHost } from './rendered-stack.ts';

/** What happened to one boot command. */
export interface BootRecord {
  readonly host: string;
  readonly step: BootStep;
  /** For `run` steps: exit code and the end of the output. */
  readonly exitCode?: number;
  readonly output?: string;
}

/** How to run a unit here where the droplet would run it differently (a program mounted instead of downloaded, an address mapped). */
export interface UnitOverride {
  /** Replaces the ExecStart's command line. */
  readonly execStart?: (original: string) => string;
  /** Extra environment (after the unit's EnvironmentFile). */
  readonly environment?: Readonly<Record<string, string>>;
  readonly user?: string;
}

/** Options of a service host container. */
export interface ServiceHostOptions {
  readonly host: RenderedHost;
  readonly image: string;
  /** `name:address` entries for /etc/hosts (the farm's DNS names on loopback). */
  readonly hosts: readonly string[];
  /** Extra `docker run` arguments (read-only mounts of programs the droplet would download). */
  readonly mounts: readonly string[];
  readonly logDir: string;
  /** Per-unit adjustments; a unit without a file and without an override is reported as not started. */
  readonly units?: Readonly<Record<string, UnitOverride>>;
  /** Rewrites a file's content before it is written (private addresses → loopback, binds → the host's address). */
  readonly rewrite?: (path: string, content: string) => string;
}

/** A running service host. */
export class ServiceHost {
  readonly container: string;
  readonly records: BootRecord[] = [];
  readonly services = new Map<string, ChildProcess>();
  /** Units the boot asked for that could not be started here, with why. */
  readonly notStarted: { unit: string; reason: string }[] = [];

  constructor(readonly options: ServiceHostOptions) {
    this.container = `rfarm-rehearsal-${options.host.name}`;
  }

  exec(command: string, input?: string): { code: number; output: string } {
    try {
      const output = docker(['exec', '-i', this.container, 'sh', '-c', command], { input });
      return { code: 0, output };
    } catch (error) {
      return { code: 1, output: (error as Error).message.slice(-1500) };
    }
  }

  /** Starts the container, writes the files, runs the boot commands in order. */
  boot(): void {
    const { host } = this.options;
    try {
      docker(['rm', '--force', this.container]);
    } catch {
      // None left over.
    }
    const addHosts = this.options.hosts.flatMap((entry) => ['--add-host', entry]);
    docker([
      'run',
      '--detach',
      '--name',
      this.container,
      '--hostname',
      host.name,
      '--network',
      'host',
      ...addHosts,
      ...this.options.mounts,
      '--entrypoint',
      'sleep',
      this.options.image,
      'infinity',
    ]);
    for (const file of host.cloudConfig.files) {
      const content = this.options.rewrite ? this.options.rewrite(file.path, file.content) : file.content;
      const dir = file.path.slice(0, file.path.lastIndexOf('/')) || '/';
      const written = this.exec(
        `mkdir -p '${dir}' && cat > '${file.path}' && chmod ${file.permissions} '${file.path}' && chown ${file.owner} '${file.path}'`,
        content,
      );
      if (written.code !== 0) throw new Error(`${host.name}: writing ${file.path} failed: ${written.output}`);
    }
    for (const command of [...host.cloudConfig.bootCommands, ...host.cloudConfig.commands]) {
      const step = bootStep(command);
      if (step.kind === 'run') {
        const result = this.exec(command);
        this.records.push({ host: host.name, step, exitCode: result.code, output: result.output });
      } else {
        this.records.push({ host: host.name, step });
        if (step.kind === 'start') for (const unit of step.units) this.startUnit(unit);
      }
    }
  }

  private unitFile(unit: string): string | undefined {
    return this.options.host.cloudConfig.files.find((file) => file.path === `/etc/systemd/system/${unit}.service`)?.content;
  }

  /** Starts one unit from its rendered file (or the package's command, through an override). */
  startUnit(unit: string): void {
    const override = this.options.units?.[unit];
    const text = this.unitFile(unit);
    if (!text && !override?.execStart) {
      this.notStarted.push({ unit, reason: 'its unit comes from a package not installed here' });
      return;
    }
    const parsed = text ? parseUnit(text) : { execStart: '' };
    const environment: Record<string, string> = {};
    if ('environmentFile' in parsed && parsed.environmentFile) {
      const file = this.options.host.cloudConfig.files.find((candidate) => candidate.path === parsed.environmentFile);
      const content = file && this.options.rewrite ? this.options.rewrite(file.path, file.content) : file?.content;
      if (content) Object.assign(environment, parseEnvFile(content));
    }
    Object.assign(environment, override?.environment);
    const execStart = override?.execStart ? override.execStart(parsed.execStart) : parsed.execStart;
    const user = override?.user ?? ('user' in parsed ? parsed.user : undefined);
    const args = [
      'exec',
      ...(user ? ['--user', user] : []),
      ...('workingDirectory' in parsed && parsed.workingDirectory ? ['--workdir', parsed.workingDirectory] : []),
    ];
    args.push(...Object.entries(environment).flatMap(([name, value]) => ['--env', `${name}=${value}`]), this.container, 'sh', '-c', `exec ${execStart}`);
    const log = createWriteStream(join(this.options.logDir, `${this.options.host.name}-${unit}.log`));
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    this.services.set(unit, child);
  }

  /** Removes the container (and every service in it). */
  remove(): void {
    try {
      docker(['rm', '--force', this.container]);
    } catch {
      // Already gone.
    }
  }
}
