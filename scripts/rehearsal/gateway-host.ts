/**
 * The VPC gateway droplet in the rehearsal. Its rendered cloud-config is booted in a network
 * namespace of its own (`unshare --net`), never on this machine's network: the files are written
 * to a directory standing for its root, and its commands run there, so the forwarding switch and
 * the nftables rules land in that namespace only. It forwards nothing here (the rehearsal's hosts
 * share the loopback network); test/infra/nat-gateway.test.ts shows the forwarding itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RenderedHost } from './rendered-stack.ts';
import type { Row } from './report.ts';

/** Boots `host`'s files and commands in a fresh network namespace; one report row. */
export function bootGateway(host: RenderedHost, rootDir: string): Row {
  for (const file of host.cloudConfig.files) {
    const path = join(rootDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: parseInt(file.permissions, 8) });
  }
  // Absolute droplet paths rooted under its directory; enabling the unit is the boot's, not the namespace's.
  const commands = host.cloudConfig.commands
    .filter((command) => !command.startsWith('systemctl '))
    .map((command) => command.replace(/(\s)(\/[^\s]*)/g, (_, space: string, path: string) => `${space}${join(rootDir, path)}`));
  // Off first, so a boot that fails to switch it on shows (a new namespace may start with it on).
  const script = ['sysctl -qw net.ipv4.ip_forward=0', ...commands, 'sysctl -n net.ipv4.ip_forward', 'nft list ruleset'].join(' && ');
  const result = spawnSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const held = result.status === 0 && /^1$/m.test(output) && /masquerade/.test(output);
  return {
    area: 'boot',
    what: `${host.name} (VPC gateway: forwarding and nftables masquerade, in a namespace of its own)`,
    held,
    detail: held
      ? `${commands.length} boot commands ran; ip_forward 1, masquerade loaded (systemctl enable nftables: the boot's)`
      : `failed: ${output.trim().split('\n').slice(-3).join(' / ')}`,
  };
}
