/**
 * The NAT hosts' boot (infra/user-data/nat-gateway.ts), done for real in network namespaces of the
 * test's own: a "VPC" host whose default route is the gateway, the gateway running the rendered
 * files and commands, and an "internet" host that has no route back to the VPC. Only
 * documentation ranges (192.0.2.0/24 as the VPC, 198.51.100.0/24 as the internet), and only inside
 * the namespaces: nothing reaches this machine's network.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gatewayRouteCommands, NAT_COMMANDS, NAT_FILES, natRuleset, NatRangeError, renderNatGatewayUserData } from '../../infra/user-data/nat-gateway.ts';
import { parseCloudConfig } from '../../scripts/rehearsal/rendered-stack.ts';
import { testUnless } from '../support/skip.ts';

const VPC_RANGE = '192.0.2.0/24';
const cloudConfig = parseCloudConfig(renderNatGatewayUserData({ privateCidrs: [VPC_RANGE] }));

test('the gateway’s cloud-config installs nftables, writes its rules and forwarding switch, and loads both at boot', () => {
  assert.ok(cloudConfig.packages.includes('nftables'));
  assert.equal(cloudConfig.files.map((file) => file.path).sort(), [NAT_FILES.sysctl, NAT_FILES.ruleset].sort());
  assert.equal(cloudConfig.commands, [...NAT_COMMANDS]);
  assert.match(cloudConfig.files.find((file) => file.path === NAT_FILES.ruleset)!.content, `ip saddr { ${VPC_RANGE} } ip daddr != { ${VPC_RANGE} } masquerade`);
});

test('every boot command of the gateway and of a private droplet parses as shell (bash -n)', () => {
  for (const command of [...NAT_COMMANDS, ...gatewayRouteCommands('10.60.0.5')]) {
    const result = spawnSync('bash', ['-n', '-c', command], { encoding: 'utf8' });
    assert.is(result.status, 0, `${command}: ${result.stderr}`);
  }
});

test('a range or gateway address that is not IPv4 is refused before anything is rendered', () => {
  assert.throws(
    () => natRuleset({ privateCidrs: [] }),
    (error: Error) => error instanceof NatRangeError,
  );
  assert.throws(() => natRuleset({ privateCidrs: ['10.60.0.0/20; flush ruleset'] }), /not an IPv4 CIDR/);
  assert.throws(() => gatewayRouteCommands('$(reboot)'), /not an IPv4 address/);
});

const missing = (() => {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  for (const tool of ['ip', 'nft', 'sysctl', 'curl'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (scripts/bootstrap.mjs installs nftables and iproute2)`;
  return undefined;
})();

const names = { vpc: `rfarm-nat-vpc-${process.pid}`, gateway: `rfarm-nat-gw-${process.pid}`, internet: `rfarm-nat-net-${process.pid}` };
const run = (...args: string[]) => {
  const result = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};
const inNamespace = (name: string, ...args: string[]) => run('ip', 'netns', 'exec', name, ...args);

/** A listener that answers every connection with the address it came from. */
function echoSourceServer(namespace: string, address: string): ChildProcess {
  const script = `require('node:http').createServer((request, response) => response.end(request.socket.remoteAddress)).listen(8080, '${address}', () => console.log('ready'))`;
  return spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}
const ready = (child: ChildProcess) => new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
const fetchFrom = (namespace: string, url: string) =>
  spawnSync('ip', ['netns', 'exec', namespace, 'curl', '-s', '--noproxy', '*', '--max-time', '3', url], { encoding: 'utf8' }).stdout.trim();

testUnless(missing, 'the rendered gateway forwards the VPC out behind its own address and lets nothing in', async () => {
  const work = mkdtempSync(join(tmpdir(), 'rfarm-nat-'));
  const servers: ChildProcess[] = [];
  try {
    for (const name of Object.values(names)) {
      run('ip', 'netns', 'add', name);
      inNamespace(name, 'ip', 'link', 'set', 'lo', 'up');
    }
    run('ip', 'link', 'add', 'natv0', 'netns', names.vpc, 'type', 'veth', 'peer', 'name', 'natv1', 'netns', names.gateway);
    run('ip', 'link', 'add', 'natw0', 'netns', names.gateway, 'type', 'veth', 'peer', 'name', 'natw1', 'netns', names.internet);
    for (const [namespace, device, address] of [
      [names.vpc, 'natv0', '192.0.2.10/24'],
      [names.gateway, 'natv1', '192.0.2.1/24'],
      [names.gateway, 'natw0', '198.51.100.1/24'],
      [names.internet, 'natw1', '198.51.100.2/24'],
    ]) {
      inNamespace(namespace, 'ip', 'addr', 'add', address, 'dev', device);
      inNamespace(namespace, 'ip', 'link', 'set', device, 'up');
    }
    // The private droplet's default route, as its bootcmd sets it (the first line: the second waits for DNS).
    inNamespace(names.vpc, 'sh', '-c', gatewayRouteCommands('192.0.2.1')[0]);
    // The internet side knows no way back to the VPC, as on the real internet: replies need masquerading.
    inNamespace(names.gateway, 'sysctl', '-qw', 'net.ipv4.ip_forward=0');
    servers.push(echoSourceServer(names.internet, '198.51.100.2'), echoSourceServer(names.vpc, '192.0.2.10'));
    await Promise.all(servers.map(ready));
    assert.is(fetchFrom(names.vpc, 'http://198.51.100.2:8080/'), '', 'before the gateway boots nothing gets out');

    // Boot: the files as cloud-init writes them, then its commands (systemctl is the boot's, not here).
    for (const file of cloudConfig.files) writeFileSync(join(work, file.path.replaceAll('/', '_')), file.content);
    for (const command of NAT_COMMANDS.filter((line) => !line.startsWith('systemctl'))) {
      const local = command
        .replace(NAT_FILES.sysctl, join(work, NAT_FILES.sysctl.replaceAll('/', '_')))
        .replace(NAT_FILES.ruleset, join(work, NAT_FILES.ruleset.replaceAll('/', '_')));
      inNamespace(names.gateway, 'sh', '-c', local);
    }
    assert.is(inNamespace(names.gateway, 'sysctl', '-n', 'net.ipv4.ip_forward').trim(), '1');
    assert.is(fetchFrom(names.vpc, 'http://198.51.100.2:8080/'), '198.51.100.1', 'out through the gateway, seen as the gateway’s address');

    // Loading the rules again (nftables.service at the next boot) keeps one copy of them.
    inNamespace(names.gateway, 'nft', '-f', join(work, NAT_FILES.ruleset.replaceAll('/', '_')));
    assert.is((inNamespace(names.gateway, 'nft', 'list', 'ruleset').match(/masquerade/g) ?? []).length, 1);

    // Nothing from outside reaches the VPC through it, even with a route that tries.
    inNamespace(names.internet, 'ip', 'route', 'add', VPC_RANGE, 'via', '198.51.100.1');
    assert.is(fetchFrom(names.internet, 'http://192.0.2.10:8080/'), '', 'the forward chain drops new connections from outside');
  } finally {
    for (const server of servers) server.kill();
    for (const name of Object.values(names)) spawnSync('ip', ['netns', 'del', name]);
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
