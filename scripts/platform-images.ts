/**
 * Builds the local farm's platform images (the `platform` target of images/linux/Dockerfile) when
 * they are missing, with progress lines: a Debian suite bootstrapped from the archive with mmdebstrap
 * and imported as the base, then the definition built on it. Both are tagged by content, so an
 * unchanged definition costs one `docker image inspect` on the next start.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_IMAGE_INPUTS, debianBaseTag, dockerBuildArgv, mmdebstrapArgv, platformImageTag, type ImagePlatform } from '../images/index.ts';
import { docker } from './docker-engine.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An image build that failed; the message carries the end of its output. */
export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

/** Where progress lines go (console.log for `npm start`). */
export type ProgressLog = (line: string) => void;

/** The Debian mirror the machine's apt sources name (deb822 or one-line), else deb.debian.org. */
export function machineDebianMirror(sourcesDir = '/etc/apt'): string {
  const files = [
    join(sourcesDir, 'sources.list'),
    ...listDir(join(sourcesDir, 'sources.list.d'))
      .filter((name) => /\.(list|sources)$/.test(name))
      .map((name) => join(sourcesDir, 'sources.list.d', name)),
  ];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const uris = [...text.matchAll(/^URIs:\s*(\S+)/gm), ...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((match) => match[1]);
    const mirror = uris.find((uri) => /^https?:\/\/.*\/debian\/?$/.test(uri));
    if (mirror) return mirror.replace(/\/$/, '');
  }
  return 'http://deb.debian.org/debian';
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function filesUnder(path: string): string[] {
  const absolute = join(ROOT, path);
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute)
    .sort()
    .flatMap((entry) => filesUnder(join(path, entry)));
}

function imageExists(tag: string): boolean {
  try {
    docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return true;
  } catch {
    return false;
  }
}

/** Runs a shell pipeline, passing each output line to `onLine`; rejects with the output's end on failure. */
function runLogged(command: string, args: readonly string[], options: { cwd?: string; onLine: (line: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    let tail = '';
    let partial = '';
    const take = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-3000);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => reject(new ImageBuildError(`${command}: ${error.message}`, { cause: error })));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new ImageBuildError(`${command} ${args.slice(0, 2).join(' ')} exited ${code}:\n${tail.trim()}`)),
    );
  });
}

/** The Debian suite as a base image: bootstrapped with mmdebstrap and imported, unless already there. */
export async function ensureDebianBase(suite: string, mirror: string, log: ProgressLog): Promise<string> {
  const tag = debianBaseTag(suite, mirror);
  if (imageExists(tag)) return tag;
  log(`rfarm: bootstrapping Debian ${suite} from ${mirror} as ${tag} (mmdebstrap, about a minute)…`);
  const started = Date.now();
  const pipeline = `mmdebstrap ${mmdebstrapArgv(suite, mirror)
    .map((arg) => `'${arg}'`)
    .join(' ')} | docker import - '${tag}'`;
  await runLogged('bash', ['-o', 'pipefail', '-c', pipeline], { onLine: () => undefined });
  log(`rfarm: ${tag} ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return tag;
}

/** The content tag of a platform's image (what a second start looks up). */
export function localImageTag(platform: ImagePlatform, mirror: string): string {
  const files = PLATFORM_IMAGE_INPUTS.flatMap(filesUnder).map((path) => ({ path, content: readFileSync(join(ROOT, path)) }));
  return platformImageTag(platform, mirror, files);
}

const LOCK_DIR = join(tmpdir(), 'rfarm-image-build.lock');

function lockHolder(): number | null {
  try {
    return Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8')) || null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `build` holding the machine's image-build lock, so two farms (or test files) never build the same image twice at once. */
async function withBuildLock<T>(log: ProgressLog, build: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder();
      const orphaned = holder === null && Date.now() - (statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 10_000;
      if ((holder !== null && !alive(holder)) || orphaned) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`rfarm: waiting for another image build to finish (pid ${holder ?? 'starting'})…`);
      announced = true;
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
  try {
    return await build();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Builds a platform's image unless an image with its content tag exists; returns the tag. */
export async function ensurePlatformImage(platform: ImagePlatform, mirror: string, log: ProgressLog): Promise<string> {
  const tag = localImageTag(platform, mirror);
  if (imageExists(tag)) {
    log(`rfarm: image of ${platform.id} is up to date (${tag})`);
    return tag;
  }
  return withBuildLock(log, async () => {
    // Another process may have built it while we waited.
    if (imageExists(tag)) {
      log(`rfarm: image of ${platform.id} is up to date (${tag})`);
      return tag;
    }
    return buildPlatformImage(platform, mirror, tag, log);
  });
}

async function buildPlatformImage(platform: ImagePlatform, mirror: string, tag: string, log: ProgressLog): Promise<string> {
  if (platform.image.base.kind === 'debian-archive') await ensureDebianBase(platform.image.base.suite, mirror, log);
  else if (!platform.image.buildsWithoutRegistry) log(`rfarm: ${platform.id} needs ${platform.image.base.reference} from a registry, CRAN and nodejs.org`);
  log(`rfarm: building the image of ${platform.id} (${tag})…`);
  const started = Date.now();
  // The context holds exactly what the platform target reads, so nothing else is sent to the daemon.
  const context = mkdtempSync(join(tmpdir(), 'rfarm-image-'));
  try {
    for (const path of PLATFORM_IMAGE_INPUTS) cpSync(join(ROOT, path), join(context, path), { recursive: true });
    await runLogged('docker', dockerBuildArgv(platform, mirror, 'platform', tag), {
      cwd: context,
      onLine: (line) => {
        if (/^Step \d+\/\d+ : (RUN|FROM|COPY)/.test(line)) log(`rfarm: [${platform.id}] ${line.slice(0, 120)}`);
      },
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  log(`rfarm: image of ${platform.id} built in ${Math.round((Date.now() - started) / 1000)} s`);
  removeOlderImages(platform, tag);
  return tag;
}

/** Older images of the platform (an earlier definition): a gigabyte or two each, never used again. */
function removeOlderImages(platform: ImagePlatform, current: string): void {
  const tags = docker(['images', 'rfarm-platform', '--format', '{{.Repository}}:{{.Tag}}'])
    .split('\n')
    .filter((tag) => tag.startsWith(`rfarm-platform:${platform.id}-`) && tag !== current);
  for (const tag of tags) {
    try {
      docker(['image', 'rm', tag]);
    } catch {
      // A container still runs it; the next build removes it.
    }
  }
}
