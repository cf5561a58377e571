/**
 * The control plane's error catalogue. Each error fixes an HTTP status, a stable snake_case code
 * (listed in the OpenAPI document's ErrorCode enum; a test keeps the two in step) and a message
 * that says what to change. Handlers throw these; one middleware turns them into responses.
 */

/** Every code the API may answer with. */
export const ERROR_CODES = [
  'invalid_request',
  'empty_upload',
  'not_gzip',
  'not_tar',
  'unsafe_archive_entry',
  'no_package_directory',
  'invalid_description',
  'invalid_package_name',
  'invalid_package_version',
  'upload_too_large',
  'archive_too_large',
  'unknown_platform',
  'no_platforms',
  'check_arg_not_allowed',
  'env_not_allowed',
  'job_not_found',
  'build_not_found',
  'artifact_not_found',
  'worker_not_found',
  'admin_token_required',
  'admin_token_invalid',
  'workers_not_launchable',
  'route_not_found',
  'method_not_allowed',
  'unsupported_media_type',
  'invalid_token',
  'email_not_validated',
  'email_not_allowed',
  'mail_not_sent',
  'mail_not_configured',
  'publish_refused',
  'already_published',
  'repository_file_not_found',
  'service_unavailable',
  'webhook_signature_invalid',
  'github_not_configured',
  'too_many_uploads',
  'storage_full',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error a client can act on: shown to them as `{ error: { code, message } }`. */
export class FarmError extends Error {
  override name = 'FarmError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(message, options);
    this.headers = options?.headers ?? {};
  }

  /** Response headers the error needs, e.g. Retry-After on a 503. */
  readonly headers: Readonly<Record<string, string>>;
}

const list = (items: readonly string[]) => items.join(', ');

/** Named constructors, one per failure. */
export const errors = {
  invalidRequest: (message: string) => new FarmError(400, 'invalid_request', message),
  emptyUpload: () => new FarmError(400, 'empty_upload', 'the upload is empty: send the .tar.gz that `R CMD build` makes as the request body'),
  notGzip: () => new FarmError(400, 'not_gzip', 'the upload is not gzip-compressed: send the .tar.gz that `R CMD build` makes'),
  notTar: (detail: string) =>
    new FarmError(400, 'not_tar', `the upload is gzip but not a valid tar archive (${detail}): send the .tar.gz that \`R CMD build\` makes`),
  unsafeEntry: (entry: string, why: string) =>
    new FarmError(
      400,
      'unsafe_archive_entry',
      `archive entry '${entry}' is refused: ${why}; a source package holds only plain files and directories inside its own folder`,
    ),
  noPackageDirectory: (detail: string) =>
    new FarmError(
      400,
      'no_package_directory',
      `no package found: ${detail}; the archive must hold one top-level folder with a DESCRIPTION file, as \`R CMD build\` makes it`,
    ),
  invalidDescription: (detail: string) => new FarmError(400, 'invalid_description', `DESCRIPTION is not valid: ${detail}`),
  invalidPackageName: (name: string) =>
    new FarmError(
      400,
      'invalid_package_name',
      `'${name}' is not a valid R package name: use letters, digits and dots, start with a letter, at least two characters, no trailing dot`,
    ),
  invalidPackageVersion: (version: string) =>
    new FarmError(
      400,
      'invalid_package_version',
      `'${version}' is not a valid R package version: use at least two non-negative integers separated by '.' or '-', e.g. 1.0.2`,
    ),
  uploadTooLarge: (limit: number) =>
    new FarmError(
      413,
      'upload_too_large',
      `the upload is larger than this farm's limit of ${limit} bytes; remove large data files from the package or ask the farm's admin`,
    ),
  archiveTooLarge: (detail: string) => new FarmError(413, 'archive_too_large', `the archive unpacks to too much: ${detail}`),
  unknownPlatform: (name: string, known: readonly string[]) =>
    new FarmError(400, 'unknown_platform', `platform '${name}' is unknown; known platforms: ${list(known)}`),
  unknownRevdepsPlatform: (name: string, known: readonly string[]) =>
    new FarmError(400, 'unknown_platform', `revdeps_platform '${name}' is unknown; known platforms: ${list(known)}`),
  revdepOptionWithoutRevdeps: () =>
    new FarmError(
      400,
      'invalid_request',
      'revdeps_which and revdeps_platform only apply to a reverse-dependency check: add revdeps=true (rfarm submit --revdeps)',
    ),
  noPlatforms: () =>
    new FarmError(400, 'no_platforms', 'no platform was named and this farm has no default platform with live workers; name one with ?platform='),
  checkArgNotAllowed: (arg: string, allowed: readonly string[]) =>
    new FarmError(400, 'check_arg_not_allowed', `check argument '${arg}' is not allowed; allowed: ${list(allowed)}`),
  envNotAllowed: (name: string, allowed: readonly string[]) =>
    new FarmError(400, 'env_not_allowed', `environment variable '${name}' may not be set for a check; allowed: ${list(allowed)}`),
  jobNotFound: (id: string) => new FarmError(404, 'job_not_found', `no job with id '${id}': check the URL you were given at submission`),
  buildNotFound: (id: string, platform: string, platforms: readonly string[]) =>
    new FarmError(404, 'build_not_found', `job '${id}' has no build on '${platform}'; its platforms: ${list(platforms)}`),
  artifactNotFound: (name: string, available: readonly string[]) =>
    new FarmError(404, 'artifact_not_found', `no artifact '${name}' (yet); available: ${available.length ? list(available) : 'none so far'}`),
  workerNotFound: (id: string) => new FarmError(404, 'worker_not_found', `no live worker '${id}'; GET /workers lists them`),
  adminTokenRequired: () => new FarmError(401, 'admin_token_required', 'this route needs the admin token: send Authorization: Bearer <FARM_ADMIN_TOKEN>'),
  adminTokenInvalid: () => new FarmError(403, 'admin_token_invalid', 'the admin token is wrong'),
  workersNotLaunchable: () =>
    new FarmError(
      409,
      'workers_not_launchable',
      'this farm cannot start workers itself: add build hosts by raising the pool size in the stack config and running `pulumi up`',
    ),
  methodNotAllowed: (method: string, path: string, allow: string) =>
    new FarmError(
      405,
      'method_not_allowed',
      `${path} does not take ${method}${
        allow
          ? `; use ${allow
              .split(', ')
              .filter((name) => name !== 'HEAD')
              .join(' or ')}`
          : ''
      }${path === '/jobs/submit/tarball' ? ' with the package .tar.gz as the body (curl -T pkg.tar.gz …)' : ''}`,
    ),
  routeNotFound: (method: string, path: string) => new FarmError(404, 'route_not_found', `no route ${method} ${path}; see /openapi.json for the API`),
  unsupportedMediaType: (expected: string) => new FarmError(415, 'unsupported_media_type', `send the body as ${expected}`),
  invalidToken: (email: string) =>
    new FarmError(
      401,
      'invalid_token',
      `the token is not valid for '${email}': validate the address again with rhub::validate_email() and use the newest token`,
    ),
  emailNotValidated: (email: string) =>
    new FarmError(
      401,
      'email_not_validated',
      `'${email}' has no token on this farm yet: run rhub::validate_email("${email}") and enter the token it mails you`,
    ),
  emailNotAllowed: (email: string, domains: readonly string[]) =>
    new FarmError(403, 'email_not_allowed', `'${email}' may not use this farm; addresses in these domains may: ${list(domains)}`),
  mailNotSent: (detail: string) =>
    new FarmError(503, 'mail_not_sent', `the token e-mail could not be sent: ${detail}; try again shortly or ask the farm's admin`),
  mailNotConfigured: () =>
    new FarmError(
      400,
      'mail_not_configured',
      'this farm sends no e-mail (its admin has not set FARM_SMTP_URL): submit without an e-mail address and follow the status URL',
    ),
  rhubCheckNotFound: (id: string) =>
    new FarmError(404, 'job_not_found', `no r-hub check '${id}' on this farm: ids look like <package>_<version>.tar.gz-<32 hex digits>`),
  publishRefused: (detail: string) => new FarmError(409, 'publish_refused', detail),
  alreadyPublished: (packageName: string, version: string, jobId: string) =>
    new FarmError(
      409,
      'already_published',
      `${packageName} ${version} is already in the farm's repository (published by job ${jobId}); published versions are never replaced: raise the Version in DESCRIPTION and submit again`,
    ),
  repositoryFileNotFound: (path: string) =>
    new FarmError(404, 'repository_file_not_found', `the farm's repository has no '${path}'; its source packages are listed in /repo/src/contrib/PACKAGES`),
  webhookSignatureInvalid: (detail: string) =>
    new FarmError(
      401,
      'webhook_signature_invalid',
      `the webhook delivery is refused: ${detail}; the GitHub App's webhook secret must equal this farm's FARM_GITHUB_WEBHOOK_SECRET`,
    ),
  githubNotConfigured: () =>
    new FarmError(
      503,
      'github_not_configured',
      'this farm is not set up as a GitHub App: its admin sets FARM_GITHUB_APP_ID, FARM_GITHUB_WEBHOOK_SECRET and FARM_GITHUB_PRIVATE_KEY_FILE (README.md, "GitHub")',
    ),
  tooManyUploads: (max: number, retryAfterSeconds: number) =>
    new FarmError(
      503,
      'too_many_uploads',
      `the farm is receiving as many uploads as it takes at once (${max}, or their bytes); send it again in ${retryAfterSeconds} s`,
      {
        headers: { 'Retry-After': String(retryAfterSeconds) },
      },
    ),
  serviceUnavailable: (detail: string, retryAfterSeconds?: number) =>
    new FarmError(503, 'service_unavailable', `the farm cannot take this right now: ${detail}; try again shortly`, {
      headers: retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {},
    }),
  storageFull: (detail: string) =>
    new FarmError(
      503,
      'storage_full',
      `the farm is out of storage space and takes no new work until its admin frees some: ${detail}; builds already accepted still run to the end; try again later`,
      {
        headers: { 'Retry-After': '300' },
      },
    ),
};
