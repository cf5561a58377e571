/**
 * The `egress` policy's isolation, for real: two network namespaces made here stand in for a builder
 * host and for everything beyond it (nothing leaves this machine; no real address is used). Beyond
 * the host: a "public" server on TEST-NET-3 (203.0.113.10), the farm's NATS on TEST-NET-2
 * (198.51.100.7, given as a farm address), cloud metadata (169.254.169.254 and fd00:ec2::254) and a
 * private address (10.99.0.1), each existing only inside the test's namespaces. On the host: a farm
 * service on every address (loopback and the host's own). A sandbox opened by the agent's code on
 * that host reaches the public server under `egress` and nothing else; under `none`, nothing at all.
 * The host itself reaches every one of them, so each refusal is the sandbox's fence.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testUnless } from '../support/skip.ts';

const TOOLS = ['ip', 'nft', 'slirp4netns', 'unshare', 'nsenter', 'setpriv', 'bwrap', 'curl'];
const missingTool = TOOLS.find((tool) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(join(dir, tool))));
let tunClosed = false;
try {
  accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
} catch {
  tunClosed = true;
}
const missing =
  process.getuid?.() !== 0
    ? 'needs root to make the stand-in host and internet namespaces'
    : missingTool
      ? `${missingTool} is not installed (npm test's bootstrap installs nftables, slirp4netns, iproute2)`
      : tunClosed
        ? '/dev/net/tun is not available'
        : undefined;

const name = `rfe${process.pid % 100000}`;
const HOST = `${name}h`;
const NET = `${name}n`;
const servers: ChildProcess[] = [];
let dataDir = '';

/** Targets: name → URL. The servers answer `reached:<name>`. */
const beyond = {
  public: 'http://203.0.113.10:8000/',
  nats: 'http://198.51.100.7:4222/',
  metadata: 'http://169.254.169.254/',
  metadata6: 'http://[fd00:ec2::254]/',
  private: 'http://10.99.0.1/',
};
const onHost = {
  hostLoopback: 'http://127.0.0.1:8080/',
  hostAddress: 'http://203.0.113.1:8080/',
  slirpGateway: 'http://10.0.2.2:8080/',
};

function run(...command: string[]): void {
  const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command.join(' ')}: ${result.stderr.trim()}`);
}

/** A node HTTP server in `namespace` answering `reached:<name>` on each address:port given. */
function serve(namespace: string, listeners: Record<string, [string, number]>): Promise<void> {
  const script = `const http = require('node:http');
const listeners = ${JSON.stringify(listeners)};
let open = 0;
for (const [name, [host, port]] of Object.entries(listeners)) {
  http.createServer((req, res) => res.end('reached:' + name)).listen(port, host, () => { if (++open === Object.keys(listeners).length) console.log('listening'); });
}`;
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`server in ${namespace} exited ${code}`)));
  });
}

function curlFrom(namespace: string, url: string): string {
  const result = spawnSync('ip', ['netns', 'exec', namespace, 'curl', '-s', '-g', '-m', '4', url], { encoding: 'utf8' });
  return result.stdout || 'unreached';
}

test.before(async () => {
  if (missing) return;
  run('ip', 'netns', 'add', HOST);
  run('ip', 'netns', 'add', NET);
  run('ip', 'link', 'add', `${name}a`, 'netns', HOST, 'type', 'veth', 'peer', 'name', `${name}b`, 'netns', NET);
  for (const [ns, dev, v4, v6] of [
    [HOST, `${name}a`, '203.0.113.1/24', '2001:db8::1/64'],
    [NET, `${name}b`, '203.0.113.2/24', '2001:db8::2/64'],
  ]) {
    run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    run('ip', '-n', ns, 'addr', 'add', v4, 'dev', dev);
    run('ip', '-n', ns, 'addr', 'add', v6, 'dev', dev, 'nodad');
    run('ip', '-n', ns, 'link', 'set', dev, 'up');
  }
  for (const address of ['203.0.113.10/32', '198.51.100.7/32', '169.254.169.254/32', '10.99.0.1/32']) run('ip', '-n', NET, 'addr', 'add', address, 'dev', 'lo');
  run('ip', '-n', NET, 'addr', 'add', 'fd00:ec2::254/128', 'dev', 'lo');
  // The stand-in host's only way out is the stand-in internet: nothing reaches this machine's network.
  run('ip', '-n', HOST, 'route', 'add', 'default', 'via', '203.0.113.2');
  run('ip', '-n', HOST, '-6', 'route', 'add', 'default', 'via', '2001:db8::2');
  await serve(NET, {
    public: ['203.0.113.10', 8000],
    nats: ['198.51.100.7', 4222],
    metadata: ['169.254.169.254', 80],
    metadata6: ['fd00:ec2::254', 80],
    private: ['10.99.0.1', 80],
  });
  await serve(HOST, { farm: ['0.0.0.0', 8080] });
  dataDir = mkdtempSync(join(tmpdir(), 'rfarm-egress-'));
  chmodSync(dataDir, 0o711); // the sandbox's uid must pass through to its job directory
});

test.after(() => {
  for (const server of servers) server.kill('SIGKILL');
  if (missing) return;
  spawnSync('ip', ['netns', 'delete', HOST]);
  spawnSync('ip', ['netns', 'delete', NET]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

testUnless(missing, 'the stand-in host itself reaches every target: a refusal below is the fence, not a missing route', () => {
  for (const [target, url] of Object.entries(beyond)) assert.is(curlFrom(HOST, url), `reached:${target}`, target);
  assert.is(curlFrom(HOST, onHost.hostLoopback), 'reached:farm');
  assert.is(curlFrom(HOST, onHost.hostAddress), 'reached:farm');
});

testUnless(
  missing,
  "under egress a sandbox reaches the internet and never the farm's services, metadata, private ranges or the host; under none it reaches nothing",
  () => {
    const probe = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        HOST,
        process.execPath,
        '--import',
        'tsx',
        join(import.meta.dirname, 'egress-probe.ts'),
        JSON.stringify({ dataDir, farmNetworks: ['198.51.100.7'], targets: { ...beyond, ...onHost } }),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.is(probe.status, 0, probe.stderr);
    const { egress, none } = JSON.parse(probe.stdout.trim().split('\n').at(-1)!) as Record<string, Record<string, string>>;
    assert.is(egress.public, 'reached:public', JSON.stringify(egress));
    for (const target of ['nats', 'metadata', 'metadata6', 'private', 'hostLoopback', 'hostAddress', 'slirpGateway']) {
      assert.is(egress[target], 'unreached', `${target} under egress: ${JSON.stringify(egress)}`);
    }
    for (const [target, outcome] of Object.entries(none)) assert.is(outcome, 'unreached', `${target} under none: ${JSON.stringify(none)}`);
    assert.is(Object.keys(none).length, Object.keys({ ...beyond, ...onHost }).length);
  },
);

test.run();
