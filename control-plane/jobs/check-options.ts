/** What a submitter may pass through to `R CMD check`: allow-lists of flags and environment variables. */
import { errors } from '../errors.ts';

/** `R CMD check` flags a submitter may add; none reaches outside the sandbox or changes what is checked in a hidden way. */
export const ALLOWED_CHECK_ARGS = [
  '--as-cran',
  '--no-build-vignettes',
  '--ignore-vignettes',
  '--no-vignettes',
  '--no-tests',
  '--no-examples',
  '--no-codoc',
  '--run-donttest',
  '--run-dontrun',
  '--timings',
  '--no-stop-on-test-error',
  '--test-dir=tests',
] as const;

/** Environment variables a submitter may set for the check (names or name prefixes ending in `*`). */
export const ALLOWED_ENV = ['_R_CHECK_*', 'NOT_CRAN', 'R_KEEP_PKG_SOURCE', 'R_COMPILE_AND_INSTALL_PACKAGES', 'OMP_THREAD_LIMIT', 'TZ', 'LANGUAGE'] as const;

/** Splits space-separated or repeated flags and checks each against the allow-list. */
export function normaliseCheckArgs(values: readonly string[]): string[] {
  const flags = values.flatMap((value) => value.split(/\s+/)).filter(Boolean);
  for (const flag of flags) {
    if (!(ALLOWED_CHECK_ARGS as readonly string[]).includes(flag)) throw errors.checkArgNotAllowed(flag, ALLOWED_CHECK_ARGS);
  }
  return [...new Set(flags)];
}

function envAllowed(name: string): boolean {
  return ALLOWED_ENV.some((allowed) => (allowed.endsWith('*') ? name.startsWith(allowed.slice(0, -1)) : name === allowed));
}

/** Checks extra environment against the allow-list; values must be short single-line strings. */
export function normaliseEnv(env: Readonly<Record<string, unknown>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) || !envAllowed(name)) throw errors.envNotAllowed(name, ALLOWED_ENV);
    const text = String(value);
    if (text.length > 1000 || /[\n\0]/.test(text)) throw errors.invalidRequest(`environment variable '${name}' must be one line of at most 1000 characters`);
    result[name] = text;
  }
  return result;
}

/** `NAME=VALUE` assignments (the API's `env_vars`, the CLI's `--env`) into allow-listed environment. */
export function parseEnvAssignments(assignments: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw errors.invalidRequest(`environment variable '${assignment}' must be written NAME=VALUE, e.g. _R_CHECK_FORCE_SUGGESTS_=false`);
    env[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  }
  return normaliseEnv(env);
}
