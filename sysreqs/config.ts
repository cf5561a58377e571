/**
 * The sysreqs service's configuration, read once from the environment, checked, and frozen.
 * `process.env` is read nowhere else in this unit.
 */
import { fileURLToPath } from 'node:url';
import { parseContentsIndexUse, type ContentsIndexUse } from './debian-files.ts';

/** Validated configuration of the sysreqs service. */
export interface SysreqsConfig {
  /** PORT: TCP port to listen on (default 8081). */
  readonly port: number;
  /** HOST: interface to bind (default 127.0.0.1; a farm whose agents run on other hosts sets 0.0.0.0 or a private address). */
  readonly host: string;
  /**
   * SYSREQS_REPOSITORY: a CRAN-like repository (URL or local path) whose `src/contrib/PACKAGES`
   * lists packages and dependencies for package-name lookups and `recursive` resolution. Optional:
   * without it, packages are known only through the rules.
   */
  readonly repository: string | undefined;
  /** SYSREQS_RULES_DIR: folder of rule files (default: the `rules/` folder next to this file). */
  readonly rulesDir: string;
  /** LOG_LEVEL: pino level (default info). */
  readonly logLevel: string;
  /**
   * SYSREQS_CONTENTS_INDEX: what Debian's package contents index answers for names no rule knows —
   * `default` (words, includes), `all`, `none`, or a comma list of words, includes,
   * build-files, closure.
   */
  readonly contentsIndex: ContentsIndexUse;
}

/** Folder of the rules shipped with rfarm. */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('./rules/', import.meta.url));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks the configuration; reports every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SysreqsConfig {
  const problems: string[] = [];
  const port = env.PORT === undefined || env.PORT === '' ? 8081 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be an integer 0-65535, got '${env.PORT}'`);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  let contentsIndex: ContentsIndexUse | undefined;
  try {
    contentsIndex = parseContentsIndexUse(env.SYSREQS_CONTENTS_INDEX ?? '');
  } catch (error) {
    problems.push(`SYSREQS_CONTENTS_INDEX: ${(error as Error).message}`);
  }
  if (problems.length > 0 || !contentsIndex) throw new Error(`sysreqs configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze({
    port,
    host: env.HOST || '127.0.0.1',
    repository: env.SYSREQS_REPOSITORY || undefined,
    rulesDir: env.SYSREQS_RULES_DIR || DEFAULT_RULES_DIR,
    logLevel,
    contentsIndex,
  });
}
