/**
 * The images the rehearsal boots: the worker image of a Linux builder (the `agent` target of
 * images/linux/Dockerfile, the cloud image, built here on a platform whose base comes from Debian's
 * archive) and one "droplet" image per service role: Debian 12 (the stacks' `debian-12-x64`) with
 * the packages that role's cloud-init installs. Both are tagged by content and built once.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_IMAGE_INPUTS, debianBaseTag, findPlatform, hasImage, type ImagePlatform } from '../../images/index.ts';
import { docker } from '../docker-engine.ts';
import { ensureDebianBase, ensurePlatformImage, ImageBuildError, type ProgressLog } from '../platform-images.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The platform whose userland stands in for every cloud Linux platform's: its base comes from
 * Debian's archive (the cloud platforms' bases come from a registry and their R from CRAN's
 * source, neither reachable here). Debian 12 with R 4.2.2.
 */
export const STAND_IN_PLATFORM = 'r-4-2-linux-x86_64-debian-12-gcc';

/** The Debian suite of the stacks' droplet image (`debian-12-x64`). */
export const DROPLET_SUITE = 'bookworm';

function exists(tag: string): boolean {
  try {
    docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return true;
  } catch {
    return false;
  }
}

function digestOf(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function run(args: readonly string[], cwd: string, log: ProgressLog, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '10', 'docker', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    let tail = '';
    const take = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-3000);
      for (const line of chunk.toString().split('\n')) if (/^Step \d+\/\d+ : (RUN|FROM)/.test(line)) log(`rehearse: [${label}] ${line.slice(0, 110)}`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new ImageBuildError(`docker build of ${label} exited ${code}:\n${tail.trim()}`))));
  });
}

function gitFiles(paths: readonly string[]): string[] {
  const result = spawnSync('git', ['ls-files', '-z', '--', ...paths], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ls-files failed: ${result.stderr}`);
  return result.stdout.split('\0').filter(Boolean).sort();
}

/** The worker image every rehearsed builder runs: the `agent` target on the stand-in platform. */
export async function ensureWorkerImage(mirror: string, log: ProgressLog): Promise<string> {
  const platform = findPlatform(STAND_IN_PLATFORM);
  if (!platform || !hasImage(platform)) throw new Error(`${STAND_IN_PLATFORM} is not in the catalogue`);
  // The platform stage is the local farm's image: building it first fills the layer cache.
  const platformTag = await ensurePlatformImage(platform as ImagePlatform, mirror, log);
  const files = gitFiles(AGENT_IMAGE_INPUTS);
  const tag = `rfarm-worker:${platform.id}-${digestOf([mirror, ...files.flatMap((path) => [path, readFileSync(join(ROOT, path))])])}`;
  if (exists(tag)) {
    log(`rehearse: worker image is up to date (${tag})`);
    return tag;
  }
  log(`rehearse: building the worker image ${tag} (the agent target's steps on ${platform.id})…`);
  const context = mkdtempSync(join(tmpdir(), 'rfarm-worker-'));
  try {
    for (const path of files) cpSync(join(ROOT, path), join(context, 'opt/rfarm', path), { recursive: true });
    // The agent target runs `npm ci --omit=dev` inside the image; Debian's nodejs (the stand-in's) has
    // no npm, so the same command runs here, on the copied files, and the result is copied in.
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: join(context, 'opt/rfarm'), encoding: 'utf8' });
    if (npm.status !== 0) throw new ImageBuildError(`npm ci --omit=dev failed:\n${npm.stderr.slice(-2000)}`);
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        `FROM ${platformTag}`,
        'USER root',
        'COPY opt/rfarm /opt/rfarm',
        'WORKDIR /opt/rfarm',
        'USER rfarm',
        'EXPOSE 9464',
        'CMD ["node", "--import", "tsx", "images/agent/main.ts"]',
        '',
      ].join('\n'),
    );
    await run(['build', '--network', 'host', '--tag', tag, '.'], context, log, 'worker image');
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return tag;
}

/**
 * A droplet of one role: Debian 12 with the packages its cloud-init names (what `package_update`
 * and `packages:` do on first boot), built once per package list.
 */
export async function ensureDropletImage(mirror: string, packages: readonly string[], log: ProgressLog): Promise<string> {
  const base = debianBaseTag(DROPLET_SUITE, mirror);
  await ensureDebianBase(DROPLET_SUITE, mirror, log);
  const wanted = [...new Set(packages)].sort();
  const tag = `rfarm-droplet:${DROPLET_SUITE}-${digestOf([base, ...wanted])}`;
  if (exists(tag)) return tag;
  log(`rehearse: building a droplet image with ${wanted.join(' ')}…`);
  const context = mkdtempSync(join(tmpdir(), 'rfarm-droplet-'));
  try {
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM ${base}\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${wanted.join(' ')} && rm -rf /var/lib/apt/lists/*\n`,
    );
    await run(['build', '--network', 'host', '--tag', tag, '.'], context, log, 'droplet image');
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return tag;
}
