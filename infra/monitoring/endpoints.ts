/** Where hosts send logs and metrics, from the farm's domain (see naming.ts for the DNS names). */
import { farmHostNames } from '../naming.ts';

/** The observability endpoints of a farm. */
export interface ObservabilityEndpoints {
  /** Loki push URL for hosts inside the DigitalOcean VPC. */
  readonly lokiVpcUrl: string;
  /** Loki push URL for hosts in other clouds. */
  readonly lokiPublicUrl: string;
  /** Prometheus remote-write URL for hosts in other clouds. */
  readonly remoteWriteUrl: string;
  /** Grafana. */
  readonly grafanaUrl: string;
}

/** The endpoints under `domain`. */
export function observabilityEndpoints(domain: string): ObservabilityEndpoints {
  const names = farmHostNames(domain);
  return {
    lokiVpcUrl: `https://${names.logsInVpc}:3100/loki/api/v1/push`,
    lokiPublicUrl: `https://${names.logs}:3100/loki/api/v1/push`,
    remoteWriteUrl: `https://${names.metrics}:9090/api/v1/write`,
    grafanaUrl: `https://${names.grafana}`,
  };
}
