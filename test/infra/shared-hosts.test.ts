/**
 * Several agents per builder host: how many a machine size gets, and what every OS's rendered boot
 * (cloud-init, PowerShell user data, EC2 Mac script, vSphere guestinfo) and Prometheus make of it:
 * one agent per slot, each with its own worker id, data directory, metrics port, build users and
 * slice of the host.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { AgentConfigError, loadConfig as loadAgentConfig } from '../../images/agent/config.ts';
import { findPlatform } from '../../images/index.ts';
import { inboundRules, PORTS } from '../../infra/digitalocean/firewall-rules.ts';
import { renderPrometheusConfig } from '../../infra/monitoring/prometheus-config.ts';
import { agentMetricsPort } from '../../infra/user-data/agent-environment.ts';
import { AGENT_SHARING, agentLayoutFor, agentsFor, agentSlice, MACHINE_SHAPES } from '../../infra/sizing.ts';
import { agentEnvKey, renderGuestInfo } from '../../infra/user-data/guestinfo.ts';
import { renderLinuxBuilderUserData } from '../../infra/user-data/linux-builder.ts';
import { renderMacHostUserData } from '../../infra/user-data/mac-host.ts';
import { renderWindowsBuilderUserData } from '../../infra/user-data/windows-builder.ts';
import { agentWorkerId } from '../../scaler/index.ts';
import { testUnless } from '../support/skip.ts';

const GIB = 1024 ** 3;
const agent = { natsUrls: ['tls://nats-1.x:4222'], sysreqsUrl: 'https://sysreqs.x', rRepos: 'https://cloud.r-project.org' };
const repoRoot = join(import.meta.dirname, '../..');
const envOf = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

test('a host runs one agent per 2 vCPUs, no more than 4 GiB builds fit, and at least one', () => {
  assert.is(agentsFor(MACHINE_SHAPES['s-2vcpu-4gb']), 1);
  assert.is(agentsFor(MACHINE_SHAPES['s-4vcpu-8gb']), 2);
  assert.is(agentsFor(MACHINE_SHAPES['m7i.xlarge']), 2);
  assert.is(agentsFor(MACHINE_SHAPES['m7i.large']), 1);
  assert.is(agentsFor(MACHINE_SHAPES['mac2.metal']), 4);
  assert.is(agentsFor({ vcpus: 8, memoryGiB: 8 }), 2, 'memory bounds it');
  assert.is(agentsFor(MACHINE_SHAPES['s-1vcpu-2gb']), 1);
  assert.is(agentsFor({ vcpus: 64, memoryGiB: 256 }), AGENT_SHARING.maxAgents, 'capped at the metrics ports the firewall opens');
  const slice = agentSlice(MACHINE_SHAPES['s-4vcpu-8gb'], 2);
  assert.equal(slice, { cpus: 2, memoryBytes: 4 * GIB, buildMemoryBytes: 3.5 * GIB });
  assert.is(agentSlice(MACHINE_SHAPES['m7i.xlarge'], 2).buildMemoryBytes, 4 * GIB, 'never above the agent default');
});

test('Solaris runs one agent (one KVM guest), vSphere VMs by their configured shape', () => {
  const config = {
    digitalocean: { sizes: { builder: 's-4vcpu-8gb' } },
    aws: { windowsInstanceType: 'm7i.xlarge', solarisInstanceType: 'c8i.xlarge', macInstanceType: 'mac2.metal' },
    vsphere: { cpus: 4, memoryMb: 8192 },
    solaris: { placement: 'aws' },
  } as any;
  assert.is(agentLayoutFor(findPlatform('r-patched-solaris-x86')!, config).count, 1);
  assert.is(agentLayoutFor(findPlatform('r-release-macos-x86_64')!, config).count, 2);
  assert.is(agentLayoutFor(findPlatform('r-release-macos-arm64')!, config).count, 4);
  assert.equal(agentLayoutFor(findPlatform('r-release-linux-x86_64')!, config), { count: 2, slice: agentSlice(MACHINE_SHAPES['s-4vcpu-8gb'], 2) });
  assert.throws(() => agentLayoutFor(findPlatform('r-release-linux-x86_64')!, { ...config, digitalocean: { sizes: { builder: 's-99' } } }), /s-99/);
});

const twoAgents = { count: 2, slice: agentSlice(MACHINE_SHAPES['s-4vcpu-8gb'], 2) };

test('a Linux droplet with two agents runs two containers, each with its own env, data, port, worker id and share', () => {
  const document = parse(
    renderLinuxBuilderUserData({
      stack: 'prod',
      platform: findPlatform('r-release-linux-x86_64')!,
      image: 'reg/worker:abc',
      registryServer: 'reg',
      dockerConfigJson: '{}',
      natsCreds: 'CREDS',
      caPem: 'CA',
      lokiUrl: 'https://logs',
      agent,
      agents: twoAgents,
    }),
  );
  const file = (path: string) => document.write_files.find((entry: any) => entry.path === path);
  const units = [1, 2].map((slot) => file(`/etc/systemd/system/rfarm-agent-${slot}.service`).content as string);
  const envs = [1, 2].map((slot) => envOf(file(`/etc/rfarm/rfarm-agent-${slot}.env`).content));
  assert.not.ok(file('/etc/systemd/system/rfarm-agent-3.service'));
  for (const [index, unit] of units.entries()) {
    const slot = index + 1;
    const run = /ExecStart=(.*)/.exec(unit)![1];
    assert.match(run, `--name rfarm-agent-${slot} --hostname %H`);
    assert.match(run, `--env-file /etc/rfarm/rfarm-agent-${slot}.env`);
    assert.match(run, `--env FARM_WORKER_ID=%H-agent-${slot}`, 'the scaler matches <droplet>-agent-<n>');
    assert.match(run, `-p ${9463 + slot}:${9463 + slot}`);
    assert.match(run, `-v /var/lib/rfarm/agent-${slot}:/var/lib/rfarm `);
    assert.match(run, `--cpus 2 --memory ${4 * GIB}`);
    assert.is(envs[index].FARM_METRICS_PORT, String(9463 + slot));
    assert.is(envs[index].FARM_BUILD_MEMORY_BYTES, String(3.5 * GIB));
    assert.is(envs[index].FARM_PLATFORM, 'r-release-linux-x86_64');
    assert.is(file(`/etc/rfarm/rfarm-agent-${slot}.env`).permissions, '0600');
  }
  assert.is.not(envs[0].FARM_BUILD_USER_SLOT_BASE, envs[1].FARM_BUILD_USER_SLOT_BASE);
  assert.ok(document.runcmd.includes('install -d -o 10001 -g 10001 /var/lib/rfarm /var/lib/rfarm/agent-1 /var/lib/rfarm/agent-2'));
  assert.ok(document.runcmd.includes('systemctl enable --now docker rfarm-agent-1 rfarm-agent-2'));
  assert.is(agentWorkerId('rfarm-prod-scaled-x-1a2b', 2), 'rfarm-prod-scaled-x-1a2b-agent-2');
});

test('a Windows host with two agents passes two environments, and provision.ps1 makes a service and worker id per agent', () => {
  const userData = renderWindowsBuilderUserData({
    stack: 'prod',
    platform: findPlatform('r-release-windows-x86_64')!,
    provisionScript: 'param($Platform)',
    rtools: '45',
    sourceRepo: 'r',
    sourceRef: 'main',
    credsParameter: '/p',
    region: 'us-east-1',
    caPem: 'CA',
    lokiUrl: 'l',
    remoteWriteUrl: 'w',
    agent,
    agents: { count: 2, slice: agentSlice(MACHINE_SHAPES['m7i.xlarge'], 2) },
  });
  assert.is(userData.match(/FARM_PLATFORM = /g)?.length, 2);
  assert.match(userData, "FARM_DATA_DIR = 'C:\\rfarm\\jobs\\agent-1'");
  assert.match(userData, "FARM_DATA_DIR = 'C:\\rfarm\\jobs\\agent-2'");
  assert.match(userData, "FARM_METRICS_PORT = '9465'");
  assert.match(userData, '-AgentEnvironments $agentEnvironments');
  // Alloy scrapes both agents' metrics and writes them to Prometheus.
  assert.match(userData, '127.0.0.1:9464');
  assert.match(userData, '127.0.0.1:9465');
  const provision = readFileSync(join(repoRoot, 'images/windows/provision.ps1'), 'utf8');
  assert.match(provision, '[hashtable[]] $AgentEnvironments');
  assert.match(provision, `$environment['FARM_WORKER_ID'] = "$instanceId-agent-$slot"`);
  assert.match(provision, '$service = "rfarm-agent-$slot"');
});

test('a Mac with four agents gets four environment files, and its boot script starts one agent per file', () => {
  const input = {
    stack: 'prod',
    platform: findPlatform('r-release-macos-arm64')!,
    caPem: 'CA',
    sourceRepo: 'https://example.org/rfarm.git',
    sourceRef: 'main',
    lokiUrl: 'l',
    remoteWriteUrl: 'w',
    agent,
    agents: { count: 4, slice: agentSlice(MACHINE_SHAPES['mac2.metal'], 4) },
  };
  const userData = renderMacHostUserData({ ...input, credsParameter: '/c', region: 'us-east-1', rVersion: '4.5.2' });
  const written = [...userData.matchAll(/'([A-Za-z0-9+/=]+)' \| base64 -D > (\/etc\/rfarm\/agent[-\d]*\.env)/g)];
  assert.equal(
    written.map((match) => match[2]),
    ['/etc/rfarm/agent.env', '/etc/rfarm/agent-2.env', '/etc/rfarm/agent-3.env', '/etc/rfarm/agent-4.env'],
  );
  const envs = written.map((match) => envOf(Buffer.from(match[1], 'base64').toString('utf8')));
  assert.equal(
    envs.map((env) => env.FARM_BUILD_USER_SLOT_BASE),
    ['0', '20', '40', '60'],
    'no two agents create the same macOS build user',
  );
  assert.equal(new Set(envs.map((env) => env.FARM_DATA_DIR)).size, 4);
  assert.equal(new Set(envs.map((env) => env.FARM_METRICS_PORT)).size, 4);
  const guestinfo = renderGuestInfo({ ...input, natsCreds: 'N', platform: findPlatform('r-release-macos-x86_64')!, agents: twoAgents });
  assert.ok(guestinfo[agentEnvKey(1)] && guestinfo[agentEnvKey(2)] && !guestinfo['guestinfo.rfarm.env-3']);
  const boot = readFileSync(join(repoRoot, 'images/macos/agent-boot.sh'), 'utf8');
  assert.match(boot, 'guestinfo "env-$slot"');
  assert.match(boot, 'for file in /etc/rfarm/agent-[0-9]*.env');
  assert.match(boot, 'export FARM_WORKER_ID="$host-agent-$slot"');
});

test('the agent reads its first build-user slot, so agents sharing a Mac or Solaris host never create the same user', () => {
  assert.is(loadAgentConfig({}).buildUserSlotBase, 0);
  assert.is(loadAgentConfig({ FARM_BUILD_USER_SLOT_BASE: '0' }).buildUserSlotBase, 0);
  assert.is(loadAgentConfig({ FARM_BUILD_USER_SLOT_BASE: '40' }).buildUserSlotBase, 40);
  for (const bad of ['-20', 'two'])
    assert.throws(
      () => loadAgentConfig({ FARM_BUILD_USER_SLOT_BASE: bad }),
      (error: Error) => error instanceof AgentConfigError && error.message.includes('FARM_BUILD_USER_SLOT_BASE'),
    );
});

test('the Solaris KVM host gives its guest’s agent the worker id the scaler matches to the instance', () => {
  const kvmHost = readFileSync(join(repoRoot, 'images/solaris/kvm-host.sh'), 'utf8');
  assert.match(kvmHost, 'latest/meta-data/instance-id');
  assert.match(kvmHost, 'printf \'FARM_WORKER_ID=%s-agent-1\\n\' "$instance" >> /etc/rfarm/guest/agent.env');
  // It is written before the config ISO the guest reads it from is built.
  assert.ok(kvmHost.indexOf('FARM_WORKER_ID=%s-agent-1') < kvmHost.indexOf('genisoimage'));
  assert.is(agentWorkerId('i-0abc', 1), 'i-0abc-agent-1');
});

const shellcheck = spawnSync('shellcheck', ['--version']).status === 0 ? undefined : 'shellcheck is not installed (apt-get install shellcheck)';
testUnless(shellcheck, 'the macOS boot script that starts several agents and the Solaris KVM host script pass shellcheck', () => {
  const result = spawnSync('shellcheck', ['-s', 'bash', join(repoRoot, 'images/macos/agent-boot.sh'), join(repoRoot, 'images/solaris/kvm-host.sh')], {
    encoding: 'utf8',
  });
  assert.is(result.status, 0, result.stdout);
});

test('the builder firewall lets the monitoring droplet reach every agent’s metrics port, and no other port beyond them', () => {
  const rules = inboundRules('builder', { stack: 'prod', vpcCidr: '10.70.0.0/20', adminCidrs: [], remoteAgentCidrs: [], loadBalancerUids: [] });
  const metrics = rules.find((rule) => rule.portRange.startsWith(String(PORTS.agentMetrics)))!;
  assert.is(metrics.portRange, `${agentMetricsPort(1)}-${agentMetricsPort(AGENT_SHARING.maxAgents)}`);
  assert.equal(metrics.sourceTags, ['rfarm-prod-monitoring']);
});

test('Prometheus scrapes every agent of a droplet: slot n only on droplets tagged agents:m with m ≥ n', () => {
  const config = parse(renderPrometheusConfig('prod', { kind: 'digitalocean', tokenFile: '/t' }, 3));
  const jobs = config.scrape_configs.filter((job: any) => /^agent(-\d+)?$/.test(job.job_name));
  assert.equal(
    jobs.map((job: any) => job.job_name),
    ['agent', 'agent-2', 'agent-3'],
  );
  const relabel = (job: any, tags: string) => {
    const labels: Record<string, string> = {
      __meta_digitalocean_tags: tags,
      __meta_digitalocean_private_ipv4: '10.70.0.9',
      __meta_digitalocean_droplet_name: 'rfarm-prod-scaled-p-1a2b',
      job: job.job_name,
    };
    for (const rule of job.relabel_configs) {
      const value = rule.source_labels.map((name: string) => labels[name] ?? '').join(';');
      const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(value);
      if (rule.action === 'keep') {
        if (!match) return undefined;
        continue;
      }
      if (match) labels[rule.target_label] = (rule.replacement ?? '$1').replace(/\$\{?(\d)\}?/g, (_: string, group: string) => match[Number(group)] ?? '');
    }
    return labels;
  };
  // A droplet the scaler made carries the pool's template tags, agents:2 among them.
  const scaled = ',rfarm-prod-scaled-p,rfarm,stack:prod,role:builder,rfarm-prod-builder,platform:p,agents:2,';
  const [first, second, third] = jobs.map((job: any) => relabel(job, scaled));
  assert.equal([first?.__address__, second?.__address__], ['10.70.0.9:9464', '10.70.0.9:9465']);
  assert.equal([first?.job, second?.job, first?.agent, second?.agent], ['agent', 'agent', '1', '2']);
  assert.is(third, undefined, 'a two-agent droplet has no third agent port');
  assert.is(relabel(jobs[1], ',rfarm,stack:prod,role:builder,platform:p,agents:1,'), undefined);
  assert.is(relabel(jobs[2], ',rfarm,stack:prod,role:builder,platform:p,agents:12,'), undefined, 'agents:12 is not agents:1…3');
  // The stack renders a job per slot up to the most a builder may run, so resizing builders leaves the monitoring droplet alone.
  const stackConfig = parse(renderPrometheusConfig('prod', { kind: 'digitalocean', tokenFile: '/t' }));
  assert.is(stackConfig.scrape_configs.filter((job: any) => /^agent(-\d+)?$/.test(job.job_name)).length, AGENT_SHARING.maxAgents);
});

test.run();
