/** The egress policy: its rules, commands and agent settings as pure functions (egress-network.test.ts runs them for real). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { egressRuleset, EgressPlanError, holderArgv, joinNamespaceArgv, slirpArgv } from '../../images/agent/network-policy.ts';
import { sandboxArgv, type SandboxSpec } from '../../images/agent/sandbox.ts';
import { AgentConfigError, loadConfig } from '../../images/agent/config.ts';
import { farmAddresses } from '../../images/agent/egress-network.ts';
import { testUnless } from '../support/skip.ts';

const args = { farmNetworks: ['10.20.0.0/16', '198.51.100.7'], hostAddresses: ['203.0.113.5'] };

test("cloud metadata, private ranges, the farm's own addresses and the host's are never reachable", () => {
  const ruleset = egressRuleset(args);
  const blocked = /elements = \{ ([^}]*) \}/.exec(ruleset)![1].split(', ');
  for (const network of [
    '169.254.0.0/16',
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '127.0.0.0/8',
    '100.64.0.0/10',
    '10.20.0.0/16',
    '198.51.100.7',
    '203.0.113.5',
  ]) {
    assert.ok(blocked.includes(network), `${network} is not blocked`);
  }
  assert.match(ruleset, /ip daddr @blocked_ipv4 drop/);
  assert.match(ruleset, /meta nfproto ipv6 drop/);
});

test('outbound only: output drops by default and leaves only through the tap; input takes replies and loopback', () => {
  const ruleset = egressRuleset(args);
  assert.match(ruleset, /chain output \{\n\s*type filter hook output priority filter; policy drop;/);
  assert.match(ruleset, /oifname "tap0" accept\n\s*\}/);
  assert.match(
    ruleset,
    /chain input \{\n\s*type filter hook input priority filter; policy drop;\n\s*iifname "lo" accept\n\s*ct state established,related accept/,
  );
});

test("DNS reaches only slirp's resolver, before the private ranges are dropped", () => {
  const ruleset = egressRuleset(args);
  const dns = ruleset.indexOf('ip daddr 10.0.2.3 meta l4proto { tcp, udp } th dport 53 accept');
  assert.ok(dns > 0 && dns < ruleset.indexOf('@blocked_ipv4 drop'));
});

test('outbound mail is dropped and new connections are rate-limited', () => {
  const ruleset = egressRuleset({ ...args, connectionsPerSecond: 5 });
  assert.match(ruleset, /tcp dport \{ 25, 465, 587 \} drop/);
  assert.match(ruleset, /ct state new limit rate over 5\/second burst 10 packets drop/);
});

test('addresses that are not IPv4 are refused', () => {
  assert.throws(
    () => egressRuleset({ ...args, farmNetworks: ['nats.internal'] }),
    (error: Error) => error instanceof EgressPlanError && /not an IPv4/.test(error.message),
  );
  assert.throws(() => egressRuleset({ ...args, hostAddresses: ['300.1.1.1'] }), /not an IPv4/);
});

test('a root agent makes the namespace as root; one that is not root in a user namespace of its own', () => {
  assert.ok(holderArgv(false).join(' ').includes('unshare --net -- sh -c'));
  assert.ok(holderArgv(true).join(' ').includes('unshare --user --map-root-user --net -- sh -c'));
  assert.equal(holderArgv(false).slice(0, 4), ['setpriv', '--pdeathsig', 'KILL', '--']);
  assert.ok(slirpArgv(42, true, 3).includes('--userns-path=/proc/42/ns/user'));
  assert.ok(slirpArgv(42, false, 3).includes('--disable-host-loopback'));
  assert.equal(slirpArgv(42, false, 3).slice(-2), ['42', 'tap0']);
});

const spec: SandboxSpec = {
  jobDir: '/data/builds/x',
  command: ['R', 'CMD', 'check', 'p.tar.gz'],
  env: {},
  system: { mounts: [], ownFiles: [], seccompFile: '/s', scriptsDir: '/d', egressMounts: [] },
  identity: { uid: 64000, gid: 64000 },
  limits: { maxFileBytes: 1, maxProcesses: 1, tmpBytes: 1 },
};

test("a root agent's sandbox joins the namespace before dropping to the build's uid, and shares it", () => {
  const argv = sandboxArgv({ ...spec, networkNamespace: { pid: 42, ownUserNamespace: false } });
  const join = argv.indexOf('nsenter');
  assert.ok(join >= 0 && join < argv.indexOf('setpriv') && argv.indexOf('setpriv') < argv.indexOf('bwrap'));
  assert.equal(argv.slice(join, join + 3), joinNamespaceArgv({ pid: 42, ownUserNamespace: false }));
  assert.ok(argv.includes('--share-net'));
});

test('without a namespace the sandbox has no network', () => {
  const argv = sandboxArgv(spec);
  assert.not.ok(argv.includes('--share-net'));
  assert.not.ok(argv.includes('nsenter'));
  assert.ok(argv.includes('--unshare-all'));
});

test('the agent takes FARM_CHECK_NETWORK=egress and FARM_EGRESS_BLOCK, and says what is wrong with them', () => {
  const config = loadConfig({ FARM_CHECK_NETWORK: 'egress', FARM_EGRESS_BLOCK: '203.0.113.7, 198.51.100.0/24' });
  assert.is(config.checkNetwork, 'egress');
  assert.equal(config.egressBlock, ['203.0.113.7', '198.51.100.0/24']);
  assert.is(loadConfig({}).checkNetwork, 'none');
  assert.throws(() => loadConfig({ FARM_CHECK_NETWORK: 'open' }), /FARM_CHECK_NETWORK=open must be none or egress/);
  assert.throws(
    () => loadConfig({ FARM_EGRESS_BLOCK: 'control.example.org' }),
    (error: Error) => error instanceof AgentConfigError && /FARM_EGRESS_BLOCK entry 'control.example.org' is not an IPv4/.test(error.message),
  );
});

test("the farm's addresses are the extra ones plus what the service hosts resolve to", async () => {
  const addresses = await farmAddresses(['nats://127.0.0.1:4222', 'http://localhost:8090', 'not a url'], ['203.0.113.7']);
  assert.ok(addresses.includes('203.0.113.7') && addresses.includes('127.0.0.1'), addresses.join(','));
});

// nft -c parses and checks a ruleset without loading it; it needs nft and CAP_NET_ADMIN.
const nftProbe = existsSync('/usr/sbin/nft') ? spawnSync('nft', ['-c', '-f', '-'], { input: 'table inet rfarm_probe { }\n', encoding: 'utf8' }) : null;
const nftMissing =
  nftProbe === null
    ? 'nft is not installed (apt-get install -y nftables)'
    : nftProbe.status !== 0
      ? `nft -c cannot run here: ${nftProbe.stderr.trim()}`
      : undefined;

testUnless(nftMissing, 'nftables accepts the ruleset (checked with nft -c: nothing is loaded)', () => {
  const check = spawnSync('nft', ['-c', '-f', '-'], { input: egressRuleset(args), encoding: 'utf8' });
  assert.is(check.status, 0, check.stderr);
});

test.run();
