/** cloud-init `#cloud-config` documents, rendered from typed parts. */
import { stringify } from 'yaml';

/** A file cloud-init writes before running commands. */
export interface CloudFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode; secrets get 0600. */
  readonly permissions?: string;
}

/** The parts of a cloud-config this farm uses. */
export interface CloudConfig {
  readonly packages?: readonly string[];
  readonly files?: readonly CloudFile[];
  readonly commands?: readonly (string | readonly string[])[];
  /** `bootcmd`: run at every boot, early (before packages); e.g. the default route through the VPC gateway. */
  readonly bootCommands?: readonly string[];
}

/** Renders a `#cloud-config` document. */
export function renderCloudConfig(config: CloudConfig): string {
  const document = {
    ...(config.bootCommands && config.bootCommands.length > 0 ? { bootcmd: config.bootCommands } : {}),
    package_update: true,
    packages: config.packages ?? [],
    write_files: (config.files ?? []).map((file) => ({ path: file.path, permissions: file.permissions ?? '0644', owner: 'root:root', content: file.content })),
    runcmd: config.commands ?? [],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

/** Commands adding Grafana's apt repository and installing Grafana Alloy (metrics and log shipper). */
export function installAlloyCommands(): string[] {
  return [
    'install -d -m 0755 /etc/apt/keyrings',
    'curl -fsSL https://apt.grafana.com/gpg.key | gpg --dearmor -o /etc/apt/keyrings/grafana.gpg',
    'echo "deb [signed-by=/etc/apt/keyrings/grafana.gpg] https://apt.grafana.com stable main" > /etc/apt/sources.list.d/grafana.list',
    'apt-get update && apt-get install -y alloy',
    'systemctl enable --now alloy',
  ];
}
