/**
 * How long a farm keeps what its builds leave, read from the environment by config.ts. Ages count
 * from when a job finished (its last build ended); a job that has not finished is never touched,
 * however old. The repository's published packages live in their own store and are never swept.
 */

/** Per-farm retention, in milliseconds. */
export interface RetentionSettings {
  /** FARM_RETAIN_UPLOADS_DAYS: the uploaded package of a finished job. Default 30. */
  readonly uploadsMs: number;
  /** FARM_RETAIN_ARTIFACTS_DAYS: check logs and binaries of a finished job. Default 90. */
  readonly artifactsMs: number;
  /** FARM_RETAIN_OUTPUT_DAYS: console output (the output stream's max_age, enforced by JetStream). Default 30. */
  readonly outputMs: number;
  /** FARM_RETAIN_RECORDS_DAYS: the job and build records of a finished job, and with them everything else of it. Default 365. */
  readonly recordsMs: number;
  /** FARM_RETENTION_SWEEP_MINUTES: time between sweeps. Default 60. */
  readonly sweepEveryMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reads the settings, adding each problem (with how to fix it) to `problems`. */
export function retentionSettings(env: NodeJS.ProcessEnv, problems: string[]): RetentionSettings {
  const positive = (name: string, fallback: number, unitMs: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback * unitMs;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${name}=${text} must be a number > 0 (fractions allowed, e.g. 0.5)`);
      return fallback * unitMs;
    }
    return value * unitMs;
  };
  return {
    uploadsMs: positive('FARM_RETAIN_UPLOADS_DAYS', 30, DAY_MS),
    artifactsMs: positive('FARM_RETAIN_ARTIFACTS_DAYS', 90, DAY_MS),
    outputMs: positive('FARM_RETAIN_OUTPUT_DAYS', 30, DAY_MS),
    recordsMs: positive('FARM_RETAIN_RECORDS_DAYS', 365, DAY_MS),
    sweepEveryMs: positive('FARM_RETENTION_SWEEP_MINUTES', 60, 60_000),
  };
}
