import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { hostLifecycleOptions } from '../host-lifecycle.ts';
import { observabilityEndpoints } from '../monitoring/endpoints.ts';
import { DISCOVERY_TOKEN_FILE, renderPrometheusConfig } from '../monitoring/prometheus-config.ts';
import { digitalOceanTags, farmHostNames, hostName, relativeName, resourceName, type Role } from '../naming.ts';
import type { FarmTls } from '../stack-config.ts';
import { renderLogServerUserData, renderMonitoringUserData } from '../user-data/services.ts';

/** Arguments of the monitoring droplet and the log server. */
export interface ObservabilityArgs {
  /** Stack name (dev, prod): part of every name and tag. */
  readonly stack: string;
  /** DigitalOcean region slug, e.g. fra1. */
  readonly region: string;
  /** The farm's public DNS name, e.g. farm.example.org. */
  readonly domain: string;
  /** DigitalOcean-managed DNS zone the records go in. */
  readonly dnsZone: string;
  /** Droplet size slug of the monitoring droplet (Prometheus, Grafana). */
  readonly monitoringSize: string;
  /** Droplet size slug of the log server (Loki). */
  readonly logsSize: string;
  /** Block volume of the monitoring droplet (Prometheus TSDB), GB. */
  readonly monitoringVolumeGb: number;
  /** Block volume of the log server (Loki chunks), GB. */
  readonly logsVolumeGb: number;
  /** Base image slug of the droplets, e.g. debian-12-x64. */
  readonly dropletImage: string;
  /** VPC the hosts join. */
  readonly vpcId: pulumi.Input<string>;
  /** SSH key fingerprints or ids put on every droplet (login still needs an admin CIDR). */
  readonly sshKeys: readonly string[];
  /** The farm CA and the `*.domain` certificate and key; secret. */
  readonly tls: pulumi.Input<FarmTls>;
  /**
   * Read-only DigitalOcean API token (droplet:read) Prometheus finds the stack's droplets with,
   * by tag: the monitoring droplet names no other host, so no other host's change replaces it.
   */
  readonly discoveryToken: pulumi.Input<string>;
}

/**
 * Monitoring: Prometheus (scrapes every VPC node, receives remote writes from the other clouds) and
 * Grafana with the provisioned farm dashboard. Logs: Grafana Loki; every host ships its journal
 * or event log there with Grafana Alloy.
 */
export class Observability extends pulumi.ComponentResource {
  readonly monitoring: digitalocean.Droplet;
  readonly logs: digitalocean.Droplet;
  /** Grafana, https://grafana.<domain> (reachable from the admin CIDRs only). */
  readonly grafanaUrl: string;
  /** Loki push URL for hosts inside the VPC. */
  readonly lokiVpcUrl: string;
  /** Loki push URL for hosts in other clouds. */
  readonly lokiPublicUrl: string;
  /** Prometheus remote-write URL for hosts in other clouds. */
  readonly remoteWriteUrl: string;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('rfarm:digitalocean:Observability', name, {}, opts);
    const names = farmHostNames(args.domain);
    ({
      lokiVpcUrl: this.lokiVpcUrl,
      lokiPublicUrl: this.lokiPublicUrl,
      remoteWriteUrl: this.remoteWriteUrl,
      grafanaUrl: this.grafanaUrl,
    } = observabilityEndpoints(args.domain));
    const volume = (role: Role, size: number) =>
      new digitalocean.Volume(
        `${name}-${role}-volume`,
        { name: resourceName(args.stack, role, 'data'), region: args.region, size, initialFilesystemType: 'ext4', tags: digitalOceanTags(args.stack, role) },
        { parent: this },
      );
    const monitoringVolume = volume('monitoring', args.monitoringVolumeGb);
    const logsVolume = volume('logs', args.logsVolumeGb);
    const droplet = (role: Role, size: string, volumeId: pulumi.Output<string>, userData: pulumi.Output<string>) =>
      new digitalocean.Droplet(
        `${name}-${role}`,
        {
          name: hostName(args.stack, role, 1),
          region: args.region,
          size,
          image: args.dropletImage,
          vpcUuid: args.vpcId,
          monitoring: true,
          sshKeys: [...args.sshKeys],
          volumeIds: [volumeId],
          tags: digitalOceanTags(args.stack, role),
          userData: pulumi.secret(userData),
        },
        { parent: this, ...hostLifecycleOptions('kept') },
      );
    const host = (role: string, tls: FarmTls) => ({ stack: args.stack, role, lokiUrl: this.lokiVpcUrl, tls });
    this.logs = droplet(
      'logs',
      args.logsSize,
      logsVolume.id,
      pulumi.output(args.tls).apply((tls) => renderLogServerUserData(host('logs', tls), resourceName(args.stack, 'logs', 'data'))),
    );
    const prometheusConfig = renderPrometheusConfig(args.stack, { kind: 'digitalocean', tokenFile: DISCOVERY_TOKEN_FILE });
    this.monitoring = droplet(
      'monitoring',
      args.monitoringSize,
      monitoringVolume.id,
      pulumi
        .all([args.tls, args.discoveryToken])
        .apply(([tls, token]) =>
          renderMonitoringUserData(
            host('monitoring', tls),
            prometheusConfig,
            { grafana: names.grafana, metrics: names.metrics },
            resourceName(args.stack, 'monitoring', 'data'),
            token,
          ),
        ),
    );
    const record = (suffix: string, hostname: string, value: pulumi.Output<string>) =>
      new digitalocean.DnsRecord(
        `${name}-${suffix}`,
        { domain: args.dnsZone, type: 'A', name: relativeName(hostname, args.dnsZone), value, ttl: 300 },
        { parent: this },
      );
    record('grafana-dns', names.grafana, this.monitoring.ipv4Address);
    record('metrics-dns', names.metrics, this.monitoring.ipv4Address);
    record('logs-dns', names.logs, this.logs.ipv4Address);
    record('logs-vpc-dns', names.logsInVpc, this.logs.ipv4AddressPrivate);
    this.registerOutputs({ grafanaUrl: this.grafanaUrl });
  }
}
