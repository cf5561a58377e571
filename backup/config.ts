/**
 * The backup service's configuration: every variable documented, every problem reported at once,
 * the result frozen. `process.env` is read nowhere else in backup/. S3 credentials come from the
 * SDK's default chain (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`; for Spaces, a Spaces key).
 */
import { parseServers } from '../protocol/index.ts';

export interface BackupConfig {
  /** NATS_URL: comma-separated NATS servers. Default nats://127.0.0.1:4222. */
  readonly natsServers: string[];
  /** NATS_CREDS: the backup user's credentials file (protocol/permissions.ts `backupPermissions`). */
  readonly natsCredsFile?: string;
  /** BACKUP_S3_BUCKET: the bucket backups go to. Required. */
  readonly bucket: string;
  /** BACKUP_S3_REGION: its region (Spaces: e.g. fra1). Default us-east-1. */
  readonly region: string;
  /** BACKUP_S3_ENDPOINT: S3-compatible endpoint, e.g. https://fra1.digitaloceanspaces.com. Unset: AWS S3. */
  readonly endpoint?: string;
  /** BACKUP_S3_PREFIX: key prefix of this farm's backups. Default "rfarm/". */
  readonly prefix: string;
  /** BACKUP_INTERVAL_HOURS: time between backups (fractions allowed). Default 24. */
  readonly intervalHours: number;
  /** BACKUP_KEEP: complete backups kept; older ones are deleted. Default 7. */
  readonly keep: number;
}

/** Every problem of the environment at once. */
export class BackupConfigError extends Error {
  override name = 'BackupConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BackupConfig {
  const problems: string[] = [];
  const number = (name: string, fallback: number, whole: boolean) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
      problems.push(`${name}=${text} must be ${whole ? 'a whole number' : 'a number'} > 0`);
      return fallback;
    }
    return value;
  };
  if (!env.BACKUP_S3_BUCKET) problems.push('BACKUP_S3_BUCKET is required: the bucket (or Space) backups are written to');
  const prefix = env.BACKUP_S3_PREFIX ?? 'rfarm/';
  if (prefix !== '' && !prefix.endsWith('/')) problems.push(`BACKUP_S3_PREFIX=${prefix} must end with '/'`);
  if (env.BACKUP_S3_ENDPOINT && !/^https?:\/\//.test(env.BACKUP_S3_ENDPOINT))
    problems.push(`BACKUP_S3_ENDPOINT=${env.BACKUP_S3_ENDPOINT} must be an http(s) URL, e.g. https://fra1.digitaloceanspaces.com`);
  const config: BackupConfig = {
    natsServers: parseServers(env.NATS_URL || 'nats://127.0.0.1:4222'),
    natsCredsFile: env.NATS_CREDS || undefined,
    bucket: env.BACKUP_S3_BUCKET ?? '',
    region: env.BACKUP_S3_REGION || 'us-east-1',
    endpoint: env.BACKUP_S3_ENDPOINT || undefined,
    prefix,
    intervalHours: number('BACKUP_INTERVAL_HOURS', 24, false),
    keep: number('BACKUP_KEEP', 7, true),
  };
  if (problems.length > 0) throw new BackupConfigError(`backup configuration: ${problems.join('; ')}`);
  return Object.freeze(config);
}
