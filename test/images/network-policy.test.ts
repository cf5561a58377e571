/** The egress policy's rules, as a pure function: what the sandbox's namespace may reach. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { egressPlan, EgressPlanError } from '../../images/agent/network-policy.ts';
import { testUnless } from '../support/skip.ts';

const args = { buildId: 'a1b2c3', slot: 70, uplink: 'eth0', farmNetworks: ['10.20.0.0/16', '203.0.113.7'], dnsServers: ['10.20.0.2'] };

test('each build gets its own namespace, veth pair and /30 from its slot', () => {
  const plan = egressPlan(args);
  assert.is(plan.namespace, 'rfarm-a1b2c3');
  assert.is(plan.hostAddress, '10.203.1.25');
  assert.is(plan.sandboxAddress, '10.203.1.26');
  assert.equal(plan.setup[0], ['ip', 'netns', 'add', 'rfarm-a1b2c3']);
  assert.ok(plan.setup.some((command) => command.join(' ') === 'ip -n rfarm-a1b2c3 route add default via 10.203.1.25'));
  assert.equal(plan.teardown.at(-1), ['ip', 'netns', 'delete', 'rfarm-a1b2c3']);
});

test('the rules load before forwarding is turned on', () => {
  const plan = egressPlan(args);
  const order = plan.setup.map((command) => command.join(' '));
  assert.ok(order.indexOf('nft -f -') < order.findIndex((line) => line.includes('forwarding=1')));
  assert.ok(order.indexOf('nft -f -') < order.indexOf('sysctl -w net.ipv4.ip_forward=1'));
});

test("cloud metadata, private ranges and the farm's own addresses are never reachable", () => {
  const { ruleset } = egressPlan(args);
  const blocked = /elements = \{ ([^}]*) \}/.exec(ruleset)![1].split(', ');
  for (const network of ['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '100.64.0.0/10', '10.20.0.0/16', '203.0.113.7']) {
    assert.ok(blocked.includes(network), `${network} is not blocked`);
  }
  assert.match(ruleset, /iifname "rfh-a1b2c3" ip daddr @blocked_ipv4 drop/);
  assert.match(ruleset, /iifname "rfh-a1b2c3" meta nfproto ipv6 drop/);
});

test('the host itself is unreachable from the sandbox, and nothing new comes in', () => {
  const { ruleset } = egressPlan(args);
  assert.match(ruleset, /chain input \{[^}]*iifname "rfh-a1b2c3" drop/);
  assert.match(ruleset, /oifname "rfh-a1b2c3" ct state established,related accept\n\s*oifname "rfh-a1b2c3" drop/);
});

test('DNS reaches only the named resolvers, even inside a blocked range, and before the blocks', () => {
  const { ruleset, resolvConf } = egressPlan(args);
  const dns = ruleset.indexOf('ip daddr { 10.20.0.2 } meta l4proto { tcp, udp } th dport 53 accept');
  assert.ok(dns > 0 && dns < ruleset.indexOf('@blocked_ipv4 drop'));
  assert.is(resolvConf, 'nameserver 10.20.0.2\noptions timeout:2 attempts:2\n');
});

test('outbound mail is dropped and new connections are rate-limited; what is left goes out the uplink only', () => {
  const { ruleset } = egressPlan({ ...args, connectionsPerSecond: 5 });
  assert.match(ruleset, /tcp dport \{ 25, 465, 587 \} drop/);
  assert.match(ruleset, /ct state new limit rate over 5\/second burst 10 packets drop/);
  assert.match(ruleset, /iifname "rfh-a1b2c3" oifname "eth0" accept\n\s*iifname "rfh-a1b2c3" drop/);
  assert.match(ruleset, /ip saddr 10\.203\.1\.26 oifname "eth0" masquerade/);
});

test('arguments that would make the rules unsafe are refused', () => {
  assert.throws(() => egressPlan({ ...args, buildId: 'a; rm -rf /' }), (error: Error) => error instanceof EgressPlanError);
  assert.throws(() => egressPlan({ ...args, farmNetworks: ['nats.internal'] }), /not an IPv4/);
  assert.throws(() => egressPlan({ ...args, dnsServers: [] }), /at least one DNS server/);
  assert.throws(() => egressPlan({ ...args, slot: 20000 }), /slot/);
});

// nft -c parses and checks a ruleset without loading it; it needs nft and CAP_NET_ADMIN.
const nftProbe = existsSync('/usr/sbin/nft') ? spawnSync('nft', ['-c', '-f', '-'], { input: 'table inet rfarm_probe { }\n', encoding: 'utf8' }) : null;
const nftMissing = nftProbe === null ? 'nft is not installed (apt-get install -y nftables)' : nftProbe.status !== 0 ? `nft -c cannot run here: ${nftProbe.stderr.trim()}` : undefined;

testUnless(nftMissing, 'nftables accepts the ruleset (checked with nft -c: nothing is loaded)', () => {
  const check = spawnSync('nft', ['-c', '-f', '-'], { input: egressPlan(args).ruleset, encoding: 'utf8' });
  assert.is(check.status, 0, check.stderr);
});

test.run();
