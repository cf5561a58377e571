/**
 * The prod stack deploys the scaler (infra/scaler-environment.ts, run offline under mocks): on one
 * control-plane droplet, with its own NATS credentials, an environment the scaler's own
 * `loadConfig` accepts, and an IAM user that may only size the farm's Windows groups; and the
 * backup service beside it, writing to a Spaces bucket of its own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { declareOffline, type OfflineRun } from '../../infra/preview/declare-offline.ts';
import { loadConfig as loadBackupConfig } from '../../backup/config.ts';
import { loadConfig, type PoolConfig } from '../../scaler/config.ts';
import { repoRoot } from './stack-suite.ts';

let run: OfflineRun;
test.before(async () => {
  run = await declareOffline(repoRoot, 'prod');
});

const controlPlaneDroplets = () =>
  run.resources
    .filter((resource) => resource.type === 'digitalocean:index/droplet:Droplet' && (resource.inputs.tags as string[]).includes('role:control-plane'))
    .sort((a, b) => a.name.localeCompare(b.name));
const fileOf = (userData: string, path: string) =>
  (parse(userData).write_files as { path: string; content: string; permissions: string }[]).find((file) => file.path === path);
const envOf = (content: string) =>
  Object.fromEntries(
    content
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

test('the scaler runs on the first control-plane droplet only, so two scalers never race', () => {
  const [first, second] = controlPlaneDroplets();
  assert.ok(fileOf(first.inputs.userData, '/etc/systemd/system/rfarm-scaler.service'));
  assert.match(first.inputs.userData, /systemctl enable --now rfarm-control-plane rfarm-sysreqs rfarm-scaler/);
  assert.not.ok(fileOf(second.inputs.userData, '/etc/systemd/system/rfarm-scaler.service'));
});

test('the scaler gets its own NATS credentials and an environment its loadConfig accepts', () => {
  const userData = controlPlaneDroplets()[0].inputs.userData as string;
  const creds = fileOf(userData, '/etc/rfarm/scaler.creds')!;
  assert.is(creds.permissions, '0600');
  assert.match(creds.content, /placeholder-jwt-scaler/);
  const env = fileOf(userData, '/etc/rfarm/scaler.env')!;
  assert.is(env.permissions, '0600');
  const config = loadConfig(envOf(env.content));
  assert.is(config.natsCredsFile, '/etc/rfarm/scaler.creds');
  const windows = config.pools.find((pool) => pool.platform === 'r-release-windows-x86_64');
  assert.equal(windows && { ...windows }, {
    platform: 'r-release-windows-x86_64',
    min: 0,
    max: 6,
    agentsPerHost: 2,
    backlogPerHost: 6,
    coolDownSeconds: 420,
    provider: 'aws',
    groupName: 'rfarm-prod-builder-r-release-windows-x86-64',
    spotGroupName: 'rfarm-prod-builder-r-release-windows-x86-64-spot',
    region: 'us-east-1',
  });
  const linux = config.pools.find((pool) => pool.platform === 'r-release-linux-x86_64') as Extract<PoolConfig, { provider: 'digitalocean' }>;
  assert.is(linux?.provider, 'digitalocean');
  assert.equal([linux.min, linux.max], [0, 6], 'prod declares no Linux droplet (desired 0): the scaler owns the pool from zero to max');
  assert.is(linux.tag, 'rfarm-prod-scaled-r-release-linux-x86-64', 'hostname-safe: the scaler names droplets after it');
  assert.ok(linux.template.tags?.includes('rfarm-prod-builder'), 'scaled droplets carry the builder firewall tag');
  assert.match(linux.template.userData, /FARM_PLATFORM.*r-release-linux-x86_64/);
  // Capacity in agents: an s-4vcpu-8gb droplet runs two, and a scaled droplet says so to Prometheus.
  assert.equal([linux.agentsPerHost, linux.backlogPerHost], [2, 8], 'the backlog the simulated day used');
  assert.is(linux.coolDownSeconds, 240, 'one Linux boot: the per-pool cool-down rule (infra/sizing.ts coolDownSecondsFor)');
  assert.ok(linux.template.tags?.includes('agents:2') && linux.template.tags.includes('role:builder') && linux.template.tags.includes('stack:prod'));
  assert.match(linux.template.userData, 'systemctl enable --now docker rfarm-agent-1 rfarm-agent-2');
  assert.is(config.digitalOceanToken, 'placeholder-scaler-token');
});

test('the same droplet takes JetStream backups to a bucket of their own, with a key granted only that bucket', () => {
  const [first, second] = controlPlaneDroplets();
  assert.ok(fileOf(first.inputs.userData, '/etc/systemd/system/rfarm-backup.service'));
  assert.not.ok(fileOf(second.inputs.userData, '/etc/systemd/system/rfarm-backup.service'));
  assert.match(fileOf(first.inputs.userData, '/etc/rfarm/backup.creds')!.content, /placeholder-jwt-backup/);
  const env = envOf(fileOf(first.inputs.userData, '/etc/rfarm/backup.env')!.content);
  const config = loadBackupConfig(env);
  assert.equal([config.bucket, config.endpoint, config.prefix, config.keep], ['rfarm-prod-backups', 'https://fra1.digitaloceanspaces.com', 'rfarm-prod/', 7]);
  const key = run.resources.find((resource) => resource.type === 'digitalocean:index/spacesKey:SpacesKey')!;
  assert.equal(key.inputs.grants, [{ bucket: 'rfarm-prod-backups', permission: 'readwrite' }]);
});

test('the droplet carrying the scaler stays within DigitalOcean’s 64 KiB user-data limit', () => {
  const size = Buffer.byteLength(controlPlaneDroplets()[0].inputs.userData as string);
  assert.ok(size <= 64 * 1024, `${size} bytes of user-data`);
});

test('the scaler’s AWS user may only size and trim the farm’s own Windows groups', () => {
  const policies = run.resources.filter((resource) => resource.type === 'aws:iam/userPolicy:UserPolicy');
  assert.is(policies.length, 1);
  const document = JSON.parse(policies[0].inputs.policy);
  const actions = document.Statement.flatMap((statement: { Action: string[] }) => statement.Action);
  assert.equal(actions.sort(), [
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeScalingActivities',
    'autoscaling:SetDesiredCapacity',
    'autoscaling:TerminateInstanceInAutoScalingGroup',
  ]);
  const scoped = document.Statement.find((statement: { Sid: string }) => statement.Sid === 'ScaleOwnGroups');
  assert.is(scoped.Resource.length, run.resources.filter((resource) => resource.type === 'aws:autoscaling/group:Group').length);
});

test.run();
