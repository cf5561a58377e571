/** The environment of control-plane/main.ts on a control-plane droplet, and the secrets that go into it. */
import type { NatsAuth } from './stack-config.ts';

/** Inputs of the control plane's environment (secret values already resolved). */
export interface ControlPlaneEnvironmentInput {
  readonly natsUrls: readonly string[];
  readonly adminToken: string;
  readonly publicUrl: string;
  readonly smtpUrl: string;
  readonly smtpPassword: string;
  readonly githubWebhookSecret: string;
  readonly jetstreamReplicas: number;
  /** The agents' R repositories (`rfarm:rRepos`): also searched for reverse dependencies. */
  readonly rRepos: string;
}

/** `FARM_*` and friends for control-plane/main.ts. */
export function controlPlaneEnvironment(input: ControlPlaneEnvironmentInput): Record<string, string> {
  return {
    // The load balancer reaches the droplet on its private address: listen on every interface
    // (the droplet has no public address; the firewall admits the balancer only).
    HOST: '0.0.0.0',
    PORT: '8080',
    // The checkout in /opt/rfarm is code; the repository mirror and other state go here.
    FARM_DATA_DIR: '/var/lib/rfarm',
    NATS_URL: input.natsUrls.join(','),
    NATS_CREDS: '/etc/rfarm/nats.creds',
    FARM_ADMIN_TOKEN: input.adminToken,
    FARM_PUBLIC_URL: input.publicUrl,
    FARM_SMTP_URL: smtpUrlWithPassword(input.smtpUrl, input.smtpPassword),
    FARM_GITHUB_WEBHOOK_SECRET: input.githubWebhookSecret,
    FARM_JETSTREAM_REPLICAS: String(input.jetstreamReplicas),
    FARM_R_REPOS: input.rRepos,
    NODE_EXTRA_CA_CERTS: '/etc/rfarm/farm-ca.pem',
  };
}

/** smtp://user@host:587 + password → smtp://user:password@host:587 (password URL-encoded). */
export function smtpUrlWithPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString().replace(/\/$/, '');
}

/** One pool's NATS credentials, or an error naming the platform and how to add them. */
export function agentCredsFor(auth: NatsAuth, platformId: string): string {
  const creds = auth.agentCreds[platformId];
  if (!creds)
    throw new Error(
      `rfarm:natsAuth has no agentCreds for '${platformId}'; rerun npm run nats-credentials -- <stack> <domain> and set rfarm:natsAuth again with --secret`,
    );
  return creds;
}

/** Inputs of the backup service's environment (secrets resolved). */
export interface BackupEnvironmentInput {
  readonly natsUrls: readonly string[];
  readonly stack: string;
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

/** `BACKUP_*`, NATS and the Spaces key for backup/main.ts: a backup a day, a week of them kept. */
export function backupEnvironment(input: BackupEnvironmentInput): Record<string, string> {
  return {
    NATS_URL: input.natsUrls.join(','),
    NATS_CREDS: '/etc/rfarm/backup.creds',
    NODE_EXTRA_CA_CERTS: '/etc/rfarm/farm-ca.pem',
    BACKUP_S3_BUCKET: input.bucket,
    BACKUP_S3_REGION: input.region,
    BACKUP_S3_ENDPOINT: input.endpoint,
    BACKUP_S3_PREFIX: `rfarm-${input.stack}/`,
    BACKUP_INTERVAL_HOURS: '24',
    BACKUP_KEEP: '7',
    AWS_ACCESS_KEY_ID: input.accessKey,
    AWS_SECRET_ACCESS_KEY: input.secretKey,
  };
}
