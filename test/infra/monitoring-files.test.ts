/**
 * The monitoring droplet's generated files, checked by Prometheus' own promtool, and its boot
 * commands: Prometheus must still read its TLS key after Grafana is set up.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ALERT_RULES_PATH, renderAlertRules } from '../../infra/monitoring/alert-rules.ts';
import { DISCOVERY_TOKEN_FILE, renderPrometheusConfig } from '../../infra/monitoring/prometheus-config.ts';
import { renderMonitoringUserData, renderNatsNodeUserData } from '../../infra/user-data/services.ts';
import { parseCloudConfig } from '../../scripts/rehearsal/rendered-stack.ts';
import { testUnless } from '../support/skip.ts';

const tls = { ca: 'CA', cert: 'CERT', key: 'KEY' };
const monitoring = parseCloudConfig(
  renderMonitoringUserData(
    { stack: 'prod', role: 'monitoring', lokiUrl: 'https://logs-vpc.x:3100/loki/api/v1/push', tls },
    renderPrometheusConfig('prod', { kind: 'digitalocean', tokenFile: DISCOVERY_TOKEN_FILE }),
    { grafana: 'grafana.x', metrics: 'metrics.x' },
    'vol',
    'TOKEN',
  ),
);
const promtool =
  spawnSync('promtool', ['--version']).status === 0
    ? undefined
    : 'promtool is not installed (Debian: apt-get install prometheus; npm test installs it as root)';

testUnless(promtool, 'promtool accepts the generated prometheus.yml and the alert rules it loads', () => {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-prometheus-'));
  try {
    // The config names the rules by their droplet path: write both under a root and point promtool there.
    const rulesFile = join(root, ALERT_RULES_PATH);
    mkdirSync(join(rulesFile, '..'), { recursive: true });
    writeFileSync(rulesFile, monitoring.files.find((file) => file.path === ALERT_RULES_PATH)!.content);
    writeFileSync(join(root, 'token'), 'TOKEN');
    const config = monitoring.files
      .find((file) => file.path === '/etc/prometheus/prometheus.yml')!
      .content.replace(ALERT_RULES_PATH, rulesFile)
      .replaceAll(DISCOVERY_TOKEN_FILE, join(root, 'token'));
    writeFileSync(join(root, 'prometheus.yml'), config);
    const checked = spawnSync('promtool', ['check', 'config', join(root, 'prometheus.yml')], { encoding: 'utf8' });
    assert.is(checked.status, 0, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /1 rules found|SUCCESS: \d+ rules found/);
    const rules = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    assert.is(rules.status, 0, rules.stdout + rules.stderr);
    assert.match(rules.stdout, /SUCCESS: 4 rules found/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

testUnless(promtool, 'promtool rejects a rules file with a broken expression (the check is real)', () => {
  const root = mkdtempSync(join(tmpdir(), 'rfarm-prometheus-'));
  try {
    writeFileSync(join(root, 'bad.yml'), renderAlertRules('prod').replace('== 0', '== = 0'));
    assert.is.not(spawnSync('promtool', ['check', 'rules', join(root, 'bad.yml')]).status, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('after the monitoring droplet boots, its TLS key is still in group prometheus: Grafana gets its own copy', () => {
  const key = '/etc/rfarm/tls/server-key.pem';
  const groupChanges = monitoring.commands.filter((command) => /\bchgrp\b|\bchown\b/.test(command) && command.includes(key));
  assert.equal(
    groupChanges.map((command) => /chgrp (\S+)/.exec(command)?.[1]),
    ['prometheus'],
  );
  const grafanaIni = monitoring.files.find((file) => file.path === '/etc/grafana/grafana.ini')!.content;
  const grafanaKey = /cert_key = (\S+)/.exec(grafanaIni)![1];
  assert.is.not(grafanaKey, key);
  assert.ok(
    monitoring.commands.some((command) => command.includes(`-g grafana`) && command.endsWith(grafanaKey)),
    'the boot gives Grafana its copy',
  );
});

test('the NATS node downloads the exporter under its release name (linux-x86_64, not amd64)', () => {
  const nats = parseCloudConfig(renderNatsNodeUserData({ stack: 'prod', role: 'nats', lokiUrl: 'https://logs', tls }, 'server_name: n', 'vol'));
  const download = nats.commands.find((command) => command.includes('prometheus-nats-exporter/releases'))!;
  // Its .goreleaser.yml: {{ .ProjectName }}-v{{ .Version }}-{{ .Os }}-{{ if eq .Arch "amd64" }}x86_64…
  assert.match(download, /\/v(\d+\.\d+\.\d+)\/prometheus-nats-exporter-v\1-linux-x86_64\.tar\.gz/);
});

test.run();
