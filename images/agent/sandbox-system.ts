/**
 * What of the host system a build sees: /usr (and the merged-/usr links), and from /etc only what R,
 * the compilers, the dynamic linker, TLS and name resolution read — never /etc/shadow, ssh keys or
 * anything of the farm's. The sandbox's own `passwd` and `group` name its one user, so R's
 * `Sys.info()` and tools that look the user up work.
 *
 * Prepared once per agent in a directory of its own (the seccomp program is stored there too, so a
 * step opens a file instead of rebuilding the program).
 */
import { existsSync, lstatSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EGRESS_RESOLV_CONF } from './network-policy.ts';
import { SANDBOX_INNER_ID, SANDBOX_JOB_DIR, type SandboxSystem } from './sandbox.ts';
import { seccompProgram } from './seccomp-filter.ts';

/** Top-level system paths shown read-only; on merged-/usr systems some are symlinks into /usr. */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/opt'];

/**
 * The /etc entries a build may read. R's own configuration (Debian keeps it in /etc/R), the
 * alternatives the compilers are reached through, the dynamic linker's cache, locale and time
 * zone, TLS roots and name resolution for the dependency step, fontconfig for graphics devices.
 */
export const ETC_ENTRIES = [
  'R',
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'locale.alias',
  'locale.conf',
  'os-release',
  'debian_version',
  'lsb-release',
  'redhat-release',
  'fonts',
  'mime.types',
  'papersize',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'pki',
  'resolv.conf',
  'hosts',
  'host.conf',
  'nsswitch.conf',
  'gai.conf',
  'services',
  'protocols',
] as const;

function systemMounts(): string[] {
  const args: string[] = [];
  for (const path of SYSTEM_PATHS) {
    if (!existsSync(path)) continue;
    if (lstatSync(path).isSymbolicLink()) args.push('--symlink', `usr${path}`, path);
    else args.push('--ro-bind', path, path);
  }
  return args;
}

function etcMounts(): string[] {
  const args = ['--dir', '/etc'];
  for (const entry of ETC_ENTRIES) {
    const path = `/etc/${entry}`;
    // Bound by content (bwrap follows the host link), so a link into a hidden place shows nothing more.
    if (existsSync(path)) args.push('--ro-bind', path, path);
  }
  return args;
}

/**
 * Writes the sandbox's passwd, group and seccomp program under `dir`, stages `scripts` in
 * `dir/scripts`, and returns the view. Everything there is readable by the build's uid (bwrap opens
 * bind sources as that uid), and owned by the agent.
 */
export async function prepareSandboxSystem(dir: string, scripts: readonly string[]): Promise<SandboxSystem> {
  const ownEtc = join(dir, 'etc');
  await mkdir(ownEtc, { recursive: true });
  await chmod(dir, 0o711);
  const id = SANDBOX_INNER_ID;
  await writeFile(
    join(ownEtc, 'passwd'),
    `root:x:0:0:root:/root:/usr/sbin/nologin\nrfarm:x:${id}:${id}:rfarm build:${SANDBOX_JOB_DIR}/home:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
  );
  await writeFile(join(ownEtc, 'group'), `root:x:0:\nrfarm:x:${id}:\nnogroup:x:65534:\n`);
  await writeFile(join(ownEtc, 'resolv.conf.egress'), EGRESS_RESOLV_CONF);
  const seccompFile = join(dir, 'seccomp.bpf');
  await writeFile(seccompFile, seccompProgram());
  const scriptsDir = join(dir, 'scripts');
  await mkdir(scriptsDir, { recursive: true });
  for (const script of scripts) await copyFile(script, join(scriptsDir, basename(script)));
  for (const file of ['etc/passwd', 'etc/group', 'etc/resolv.conf.egress', 'seccomp.bpf', ...scripts.map((script) => `scripts/${basename(script)}`)])
    await chmod(join(dir, file), 0o644);
  for (const sub of [ownEtc, scriptsDir]) await chmod(sub, 0o755);
  const ownFiles = ['passwd', 'group'].map((name) => ({ hostPath: join(ownEtc, name), sandboxPath: `/etc/${name}` }));
  const egressMounts = [{ hostPath: join(ownEtc, 'resolv.conf.egress'), sandboxPath: '/etc/resolv.conf' }];
  return { mounts: [...systemMounts(), ...etcMounts()], ownFiles, seccompFile, scriptsDir, egressMounts };
}
