/**
 * Prometheus alerting rules of the farm: a service or agent down, a platform with no agent, a
 * disk filling up. Prometheus evaluates them (Grafana shows them); `promtool check rules` checks
 * the rendered file in test/infra/monitoring.test.ts.
 */
import { stringify } from 'yaml';

/** Where the monitoring droplet keeps the rules file; prometheus.yml loads it. */
export const ALERT_RULES_PATH = '/etc/prometheus/rules/rfarm.yml';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'page' | 'ticket';
  readonly summary: string;
}

const RULES: readonly AlertRule[] = [
  {
    alert: 'FarmServiceDown',
    expr: 'up{job=~"control-plane|sysreqs|nats"} == 0',
    for: '2m',
    severity: 'page',
    summary: '{{ $labels.job }} on {{ $labels.instance }} does not answer scrapes',
  },
  {
    alert: 'BuilderAgentDown',
    expr: 'up{job="agent"} == 0',
    for: '5m',
    severity: 'ticket',
    summary: 'the agent on {{ $labels.instance }} ({{ $labels.platform }}) does not answer scrapes',
  },
  {
    alert: 'PlatformWithoutAgent',
    expr: 'sum by (platform) (up{job="agent"}) == 0',
    for: '10m',
    severity: 'page',
    summary: 'no agent of {{ $labels.platform }} answers: its builds wait',
  },
  {
    alert: 'DiskAlmostFull',
    expr: 'node_filesystem_avail_bytes{mountpoint=~"/|/data"} / node_filesystem_size_bytes{mountpoint=~"/|/data"} < 0.10',
    for: '15m',
    severity: 'ticket',
    summary: '{{ $labels.instance }} has less than 10 % free on {{ $labels.mountpoint }}',
  },
];

/** Renders the rules file. */
export function renderAlertRules(stack: string): string {
  return stringify(
    {
      groups: [
        {
          name: 'rfarm',
          rules: RULES.map((rule) => ({
            alert: rule.alert,
            expr: rule.expr,
            for: rule.for,
            labels: { severity: rule.severity, stack },
            annotations: { summary: rule.summary },
          })),
        },
      ],
    },
    { lineWidth: 0 },
  );
}
