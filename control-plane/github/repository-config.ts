/**
 * The repository's own settings for the farm's checks: a small `.rfarm.yml` at its top, read at
 * the commit being checked. Everything is optional; what is there is validated with the same
 * allow-lists as the API, and a problem becomes a failed check run saying what to change.
 *
 *     platforms: [r-devel-linux-x86_64-debian-gcc, r-release-windows-x86_64]
 *     check_args: --as-cran
 *     env: { _R_CHECK_FORCE_SUGGESTS_: "false" }
 *     error_on: warning        # note | warning | error: the worst result still a success
 */
import { parse } from 'yaml';
import { FarmError } from '../errors.ts';
import { normaliseCheckArgs, normaliseEnv } from '../jobs/check-options.ts';

/** The file's name at the top of the repository. */
export const CONFIG_FILE = '.rfarm.yml';

/** Which check result first fails the check run (like rcmdcheck's `error_on`). */
export type ErrorOn = 'note' | 'warning' | 'error';

/** What a repository asks for; defaults filled in. */
export interface RepositoryConfig {
  /** Platforms to check on; empty: the farm's GitHub defaults. */
  readonly platforms: readonly string[];
  readonly checkArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly errorOn: ErrorOn;
}

/** A `.rfarm.yml` the farm cannot use; the message says what to change. */
export class RepositoryConfigError extends Error {
  override name = 'RepositoryConfigError';
}

export const DEFAULT_CONFIG: RepositoryConfig = Object.freeze({ platforms: [], checkArgs: [], env: {}, errorOn: 'warning' });

const KEYS = ['platforms', 'check_args', 'env', 'error_on'];
const ERROR_ON: readonly ErrorOn[] = ['note', 'warning', 'error'];

function stringList(value: unknown, key: string): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new RepositoryConfigError(`${CONFIG_FILE}: '${key}' must be a list of strings or one string`);
}

/** Parses and validates the file's text (null: no file, the defaults). */
export function readRepositoryConfig(text: string | null): RepositoryConfig {
  if (text === null) return DEFAULT_CONFIG;
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new RepositoryConfigError(`${CONFIG_FILE} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || document === undefined) return DEFAULT_CONFIG;
  if (typeof document !== 'object' || Array.isArray(document))
    throw new RepositoryConfigError(`${CONFIG_FILE} must be a mapping of settings (${KEYS.join(', ')})`);
  const settings = document as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!KEYS.includes(key)) throw new RepositoryConfigError(`${CONFIG_FILE}: unknown setting '${key}'; settings are ${KEYS.join(', ')}`);
  }
  const platforms = settings.platforms === undefined ? [] : stringList(settings.platforms, 'platforms');
  const errorOn = (settings.error_on ?? 'warning') as ErrorOn;
  if (!ERROR_ON.includes(errorOn))
    throw new RepositoryConfigError(`${CONFIG_FILE}: error_on must be one of ${ERROR_ON.join(', ')}, not '${String(settings.error_on)}'`);
  const env = settings.env ?? {};
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new RepositoryConfigError(`${CONFIG_FILE}: 'env' must be a mapping NAME: value`);
  try {
    // The API's allow-lists: a repository may ask for no more than an upload may.
    const checkArgs = normaliseCheckArgs(settings.check_args === undefined ? [] : stringList(settings.check_args, 'check_args'));
    return Object.freeze({ platforms: [...new Set(platforms)], checkArgs, env: normaliseEnv(env as Record<string, unknown>), errorOn });
  } catch (error) {
    if (error instanceof FarmError) throw new RepositoryConfigError(`${CONFIG_FILE}: ${error.message}`, { cause: error });
    throw error;
  }
}
