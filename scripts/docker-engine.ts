/**
 * The Docker engine the local farm's platform containers run on: found running, or started here
 * (as root, from Debian's docker.io) and waited for. Started with no bridge network and no iptables
 * rules: containers use the host's network (they reach NATS on loopback) or none, never the docker
 * bridge's private range.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Docker cannot be used: not installed, not startable, or not answering. The message says what to do. */
export class DockerUnavailableError extends Error {
  override name = 'DockerUnavailableError';
}

/** Where dockerd writes its pid. */
const PID_FILE = '/var/run/docker.pid';

/** Whether a dockerd is already starting (its pid file names a live process): then we only wait. */
function daemonRunning(): boolean {
  if (!existsSync(PID_FILE)) return false;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `docker …` and returns its stdout; throws with its stderr when it fails. */
export function docker(args: readonly string[], options: { input?: string } = {}): string {
  const result = spawnSync('docker', args, { encoding: 'utf8', input: options.input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new DockerUnavailableError(`docker ${args[0]}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

function engineAnswers(): boolean {
  const result = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 && result.stdout.trim().length > 0;
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure the Docker engine answers: returns at once when it does, otherwise starts `dockerd`
 * (logging to `logFile`) and waits for its socket. Throws DockerUnavailableError saying why not.
 */
export async function ensureDockerEngine(logFile: string, timeoutMs = 60_000): Promise<void> {
  if (!onPath('docker'))
    throw new DockerUnavailableError(
      'the docker command is not installed: apt-get install -y docker.io (npm start installs it as root when FARM_PLATFORMS is set)',
    );
  if (engineAnswers()) return;
  if (!onPath('dockerd')) throw new DockerUnavailableError('the Docker engine is not running and dockerd is not installed: apt-get install -y docker.io');
  if (process.getuid?.() !== 0)
    throw new DockerUnavailableError(
      `the Docker engine is not running and only root can start it: sudo dockerd (or start the docker service), then start again`,
    );
  if (!daemonRunning()) {
    mkdirSync(dirname(logFile), { recursive: true });
    const log = openSync(logFile, 'a');
    const daemon = spawn('dockerd', ['--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false'], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    daemon.unref();
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (engineAnswers()) return;
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new DockerUnavailableError(`dockerd did not answer within ${timeoutMs / 1000} s; see ${logFile}`);
}
