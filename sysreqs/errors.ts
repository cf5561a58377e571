/**
 * The sysreqs service's error catalogue: every failure a client can cause, with a fixed HTTP status,
 * a stable snake_case code and a message that says what to change. Handlers throw these; the one
 * error middleware (`error-middleware.ts`) turns them into responses.
 */

/** Stable codes of the sysreqs service, as they appear in `{ "error": { "code" } }`. */
export type SysreqsErrorCode =
  | 'unknown_platform'
  | 'unknown_package'
  | 'malformed_description'
  | 'malformed_source'
  | 'invalid_request'
  | 'repository_unavailable'
  | 'invalid_rule_file'
  | 'not_found';

/** A catalogued error: safe to show to the client (status < 500) or a known server-side problem. */
export class SysreqsError extends Error {
  override readonly name = 'SysreqsError';
  constructor(
    /** HTTP status the error answers with. */
    readonly status: number,
    /** Stable machine-readable code. */
    readonly code: SysreqsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether the message may be shown to the client (koa's `expose` rule: 4xx only). */
  get expose(): boolean {
    return this.status < 500;
  }
}

/** The platform is neither a catalogue platform id nor a known `distribution-release`. */
export function unknownPlatform(platform: string, known: readonly string[]): SysreqsError {
  return new SysreqsError(
    400,
    'unknown_platform',
    `platform '${platform}' is unknown; known platforms: ${known.join(', ')} (or a catalogue platform id, or a local host's id such as r-release-linux-x86_64-debian-12-gcc)`,
  );
}

/** Package names that the configured repository index does not list and no rule names. */
export function unknownPackage(names: readonly string[]): SysreqsError {
  const list = names.map((name) => `'${name}'`).join(', ');
  return new SysreqsError(404, 'unknown_package', `package ${list} is not in the repository index and no rule names it; check the spelling`);
}

/** The DESCRIPTION text could not be parsed as DCF or lacks a field the request needs. */
export function malformedDescription(problem: string): SysreqsError {
  return new SysreqsError(400, 'malformed_description', `malformed DESCRIPTION: ${problem}`);
}

/** A source package sent to `POST /resolve` could not be read. */
export function malformedSource(problem: string): SysreqsError {
  return new SysreqsError(400, 'malformed_source', `the source package could not be read: ${problem}`);
}

/** The request body or query does not have the documented shape. */
export function invalidRequest(problem: string): SysreqsError {
  return new SysreqsError(400, 'invalid_request', problem);
}

/** A route that does not exist. */
export function routeNotFound(method: string, path: string): SysreqsError {
  return new SysreqsError(
    404,
    'not_found',
    `no route ${method} ${path}; routes: GET /platforms, POST /resolve, GET|POST /__api__/repos/:repo/sysreqs, GET /healthz, GET /metrics`,
  );
}

/** The configured CRAN-like repository index could not be read. */
export function repositoryUnavailable(url: string, cause: unknown): SysreqsError {
  return new SysreqsError(503, 'repository_unavailable', `could not read the repository index at ${url}; check SYSREQS_REPOSITORY`, { cause });
}

/** A rule file does not validate against `rule-schema.json` or has a bad pattern. */
export function invalidRuleFile(file: string, problems: string): SysreqsError {
  return new SysreqsError(500, 'invalid_rule_file', `rule file ${file} is invalid: ${problems}`);
}
