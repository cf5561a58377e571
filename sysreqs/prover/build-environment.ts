/**
 * Where the prover builds: a clean, throw-away copy of a platform image per build. An image is named
 * `rootfs:<dir>` (a root file system made by mmdebstrap; each build gets an overlay on it and runs
 * in a chroot, needs root) or `docker:<image>` (a container per build). The install step has the
 * network (Debian's archive); the build step has none.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** One build: what to install, then `R CMD INSTALL` of the tarball. */
export interface BuildRequest {
  /** Host path of the source tarball (.tar.gz). */
  readonly tarball: string;
  /** OS packages of the resolver's answer (none for the run without sysreqs). */
  readonly osPackages: readonly string[];
  /** Debian names tried for the R dependencies (r-cran-x, r-bioc-x); those that exist are installed. */
  readonly rPackages: readonly string[];
  /** Each step's deadline. */
  readonly timeoutMs: number;
}

/** What a build did. */
export interface BuildRun {
  readonly installExitCode: number;
  readonly exitCode: number;
  /** Install and build output, interleaved as written. */
  readonly output: string;
  readonly seconds: number;
}

/** A platform image the prover can build in. */
export interface BuildEnvironment {
  /** The image as named on the command line. */
  readonly image: string;
  build(request: BuildRequest): Promise<BuildRun>;
}

const INSTALL_SCRIPT = `set -e
export DEBIAN_FRONTEND=noninteractive
found=""
for name in $R_PACKAGES; do if apt-cache show "$name" >/dev/null 2>&1; then found="$found $name"; fi; done
echo ">>> R dependencies from the distribution:$found"
echo ">>> system requirements: $OS_PACKAGES"
present=""
for name in $OS_PACKAGES; do if dpkg-query -W -f='\${Status}\n' "$name" 2>/dev/null | grep -q "install ok installed"; then present="$present $name"; fi; done
echo ">>> already in the image:$present"
apt-get install -y --no-install-recommends $found $OS_PACKAGES
`;

/** Runs a command, collecting output; kills its process group at the deadline. */
export function runCommand(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const append = (chunk: Buffer) => {
      if (output.length < 4_000_000) output += chunk.toString();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      output += `\n>>> rfarm prover: stopped after ${options.timeoutMs / 1000} s\n`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      output += `\n${error.message}\n`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 137, output });
    });
  });
}

const CLEAN_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', MAKEFLAGS: '-j1' };

/** Builds in an overlay over a root file system, in a chroot. */
class RootfsEnvironment implements BuildEnvironment {
  constructor(
    readonly image: string,
    private readonly root: string,
    private readonly scratch: string,
  ) {}

  async build(request: BuildRequest): Promise<BuildRun> {
    const started = performance.now();
    mkdirSync(this.scratch, { recursive: true });
    const dir = mkdtempSync(join(this.scratch, 'build-'));
    const merged = join(dir, 'root');
    for (const sub of ['upper', 'work', 'root']) mkdirSync(join(dir, sub));
    const mounts: string[] = [];
    const mount = async (argv: string[], target: string) => {
      const result = await runCommand(['mount', ...argv, target], { timeoutMs: 30_000 });
      if (result.exitCode !== 0) throw new Error(`mount ${argv.join(' ')} ${target} failed: ${result.output.trim()}`);
      mounts.unshift(target);
    };
    try {
      await mount(['-t', 'overlay', 'overlay', '-o', `lowerdir=${this.root},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`], merged);
      await mount(['-t', 'proc', 'proc'], join(merged, 'proc'));
      await mount(['--bind', '/dev'], join(merged, 'dev'));
      copyFileSync('/etc/resolv.conf', join(merged, 'etc/resolv.conf'));
      mkdirSync(join(merged, 'tmp/build'), { recursive: true });
      copyFileSync(request.tarball, join(merged, 'tmp/build/source.tar.gz'));
      const env = { ...CLEAN_ENV, R_PACKAGES: request.rPackages.join(' '), OS_PACKAGES: request.osPackages.join(' ') };
      const install = await runCommand(['chroot', merged, '/bin/sh', '-c', INSTALL_SCRIPT], { env, timeoutMs: request.timeoutMs });
      if (install.exitCode !== 0)
        return { installExitCode: install.exitCode, exitCode: install.exitCode, output: install.output, seconds: (performance.now() - started) / 1000 };
      const build = await runCommand(['unshare', '--net', 'chroot', merged, 'R', 'CMD', 'INSTALL', '/tmp/build/source.tar.gz'], {
        env: CLEAN_ENV,
        timeoutMs: request.timeoutMs,
      });
      return {
        installExitCode: 0,
        exitCode: build.exitCode,
        output: `${install.output}\n>>> R CMD INSTALL\n${build.output}`,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      for (const target of mounts) await runCommand(['umount', '-l', target], { timeoutMs: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Builds in fresh containers: the install step runs as root in a container on the host's network
 * (`--network host`: no bridge), is committed to a throw-away image, and `R CMD INSTALL` runs in a
 * container of that image with no network (`--network none`). Container and image are removed after.
 */
class DockerEnvironment implements BuildEnvironment {
  constructor(
    readonly image: string,
    private readonly dockerImage: string,
  ) {}

  async build(request: BuildRequest): Promise<BuildRun> {
    const started = performance.now();
    const name = `rfarm-prove-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const env = ['-e', `R_PACKAGES=${request.rPackages.join(' ')}`, '-e', `OS_PACKAGES=${request.osPackages.join(' ')}`];
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const install = await runCommand(
        ['docker', 'run', '--name', name, '--user', '0', '--network', 'host', ...env, this.dockerImage, '/bin/sh', '-c', INSTALL_SCRIPT],
        { timeoutMs: request.timeoutMs },
      );
      if (install.exitCode !== 0) return { installExitCode: install.exitCode, exitCode: install.exitCode, output: install.output, seconds: seconds() };
      const commit = await runCommand(['docker', 'commit', name, name], { timeoutMs: request.timeoutMs });
      if (commit.exitCode !== 0) throw new Error(`docker commit failed: ${commit.output.trim()}`);
      const build = await runCommand(
        [
          'docker',
          'run',
          '--rm',
          '--name',
          `${name}-build`,
          '--user',
          '0',
          '--network',
          'none',
          '-v',
          `${request.tarball}:/tmp/build/source.tar.gz:ro`,
          ...Object.entries(CLEAN_ENV).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
          name,
          'R',
          'CMD',
          'INSTALL',
          '/tmp/build/source.tar.gz',
        ],
        { timeoutMs: request.timeoutMs },
      );
      return { installExitCode: 0, exitCode: build.exitCode, output: `${install.output}\n>>> R CMD INSTALL\n${build.output}`, seconds: seconds() };
    } finally {
      await runCommand(['docker', 'rm', '-f', name, `${name}-build`], { timeoutMs: 60_000 });
      await runCommand(['docker', 'rmi', '-f', name], { timeoutMs: 60_000 });
    }
  }
}

/** The environment an image name gives: `rootfs:<dir>` or `docker:<image>`. */
export function environmentFor(image: string, scratch: string): BuildEnvironment {
  const [kind, ...rest] = image.split(':');
  const target = rest.join(':');
  if (kind === 'rootfs' && target) return new RootfsEnvironment(image, target, scratch);
  if (kind === 'docker' && target) return new DockerEnvironment(image, target);
  throw new Error(`image '${image}' is neither rootfs:<dir> (a root file system, e.g. made by mmdebstrap) nor docker:<image>`);
}
