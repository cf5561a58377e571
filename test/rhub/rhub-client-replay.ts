/**
 * The HTTP requests of the `rhub` R client 1.1.2, replayed byte for byte where it matters: its
 * `query()` (R/api.R) sends the same three headers on every request, JSON bodies as jsonlite's
 * `toJSON()` makes them (unboxed scalars, vectors as arrays, an empty named vector as `[]`),
 * `Authorization: token …` on the list endpoints, and `?start=` on the live log.
 */

/** `default_headers` in R/api.R: sent on GETs too, bodies or not. */
export const RHUB_HEADERS = {
  Accept: 'application/json',
  'Content-Type': 'application/json',
  'User-Agent': 'R-hub client',
} as const;

export interface RhubResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: any;
}

/** The endpoints table of R/api.R: method, path with `:params`, whether it needs the token. */
const ENDPOINTS = {
  'GET PLATFORMS': ['GET', '/platform/list', false],
  'VALIDATE EMAIL': ['POST', '/check/validate_email', false],
  'SUBMIT PACKAGE': ['POST', '/check/submit', false],
  'GET STATUS': ['POST', '/status', false],
  'GET GROUP STATUS': ['GET', '/status/group/:id', false],
  'LIST BUILDS EMAIL': ['GET', '/list/:email', true],
  'LIST BUILDS PACKAGE': ['GET', '/list/:email/:package', true],
  'LIVE LOG': ['GET', '/livelog/text/:id', false],
} as const;

export type RhubEndpoint = keyof typeof ENDPOINTS;

/** `query(endpoint, params, data, query)` of R/api.R, against `RHUB_SERVER=<server>`. */
export async function rhubQuery(
  server: string,
  endpoint: RhubEndpoint,
  options: { params?: Record<string, string>; data?: unknown; query?: Record<string, string | number> } = {},
): Promise<RhubResponse> {
  const [method, template, auth] = ENDPOINTS[endpoint];
  const params = options.params ?? {};
  // get_endpoint() pastes the values in as they are (httr does not escape them).
  const path = template.replace(/:([a-zA-Z0-9_]+)/g, (_, name: string) => params[name]);
  const headers: Record<string, string> = { ...RHUB_HEADERS };
  if (auth) headers.Authorization = `token ${params.token}`;
  const search = options.query ? `?${new URLSearchParams(Object.entries(options.query).map(([key, value]) => [key, String(value)]))}` : '';
  const response = await fetch(`${server}/api${path}${search}`, {
    method,
    headers,
    body: options.data === undefined ? undefined : JSON.stringify(options.data),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  // parse_response(): JSON only when the server says so.
  return { status: response.status, contentType, body: /^application\/json/i.test(contentType) ? JSON.parse(text) : text };
}

/** What `submit_package()` sends for a tarball, with jsonlite's encoding of each argument. */
export function submitBody(args: {
  email: string;
  token: string;
  packageName: string;
  version: string;
  platforms: readonly string[];
  envVars?: Readonly<Record<string, string>>;
  checkArgs?: readonly string[];
  tarball: Uint8Array;
}): Record<string, unknown> {
  const env = args.envVars ?? {};
  return {
    email: args.email,
    token: args.token,
    package: args.packageName,
    version: args.version,
    platform: [...args.platforms],
    // as.list(env_vars): `[]` for character(), else each value a length-one array.
    env: Object.keys(env).length === 0 ? [] : Object.fromEntries(Object.entries(env).map(([name, value]) => [name, [value]])),
    check_args: (args.checkArgs ?? []).join(' '),
    file: Buffer.from(args.tarball).toString('base64'),
  };
}

/**
 * `make_streamer()` of R/livelog.R: asks for the log from `start`, feeds every line to the
 * console parser, stops when `more` is false, else sends `size` back as `start` after 0.5 s.
 * Returns every page, so a test can check what the console would have shown.
 */
export async function followLivelog(server: string, id: string, timeoutMs = 180_000): Promise<{ lines: string[]; pages: RhubResponse[] }> {
  const deadline = Date.now() + timeoutMs;
  const lines: string[] = [];
  const pages: RhubResponse[] = [];
  let start = 0;
  for (;;) {
    const page = await rhubQuery(server, 'LIVE LOG', { params: { id }, query: { start } });
    if (page.status >= 300) throw new Error(`live log answered ${page.status}: ${JSON.stringify(page.body)}`);
    pages.push(page);
    lines.push(...page.body.text);
    if (!page.body.more) return { lines, pages };
    start = page.body.size;
    if (Date.now() > deadline) throw new Error(`live log of ${id} still going after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
