/** The farm's HTTP API as the command-line client uses it: typed answers, catalogued errors. */
import type { components } from '../control-plane/api-types.ts';
import { FarmApiError, ServerUnreachableError } from './cli-errors.ts';

type Schemas = components['schemas'];
export type JobInfo = Schemas['JobInfo'];
export type Build = Schemas['Build'];
export type PlatformView = Schemas['PlatformView'];
export type Worker = Schemas['Worker'];
export type SubmitResponse = Schemas['SubmitResponse'];

/** What a submission names besides the package. */
export interface SubmitOptions {
  readonly platforms: readonly string[];
  /** Mail the result here when the job ends. */
  readonly email?: string;
  /** Extra `R CMD check` flags, e.g. --as-cran. */
  readonly checkArgs?: readonly string[];
  /** `NAME=VALUE` environment variables for the check. */
  readonly envVars?: readonly string[];
  /** Publish into the farm's repository when the check passes (admin token). */
  readonly publish?: boolean;
  /** Also check the reverse dependencies against this version (`revdeps=true`). */
  readonly revdeps?: boolean;
  /** Which reverse dependencies: strong (the farm's default) or most (Suggests too). */
  readonly revdepsWhich?: 'strong' | 'most';
  /** The platform they are checked on (default: the job's first). */
  readonly revdepsPlatform?: string;
}

export class FarmClient {
  /**
   * @param server the farm's base URL, e.g. http://127.0.0.1:8080
   * @param token the admin token, for the routes that need it
   */
  constructor(
    readonly server: string,
    private readonly token?: string,
  ) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ServerUnreachableError(this.server, error);
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new FarmApiError(
      response.status,
      body?.error?.code ?? 'http_error',
      body?.error?.message ?? `the farm answered ${response.status} ${response.statusText} to ${path}`,
    );
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
    return (await response.json()) as T;
  }

  private get adminHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  submit(tarball: Uint8Array, options: SubmitOptions): Promise<SubmitResponse> {
    const query = new URLSearchParams();
    for (const platform of options.platforms) query.append('platform', platform);
    if (options.email) query.set('email', options.email);
    for (const arg of options.checkArgs ?? []) query.append('check_args', arg);
    for (const assignment of options.envVars ?? []) query.append('env_vars', assignment);
    if (options.publish) query.set('publish', 'true');
    if (options.revdeps) query.set('revdeps', 'true');
    if (options.revdepsWhich) query.set('revdeps_which', options.revdepsWhich);
    if (options.revdepsPlatform) query.set('revdeps_platform', options.revdepsPlatform);
    const suffix = query.size > 0 ? `?${query}` : '';
    const headers = { 'content-type': 'application/gzip', ...(options.publish ? this.adminHeaders : {}) };
    return this.json(`/jobs/submit/tarball${suffix}`, { method: 'PUT', headers, body: new Uint8Array(tarball) });
  }

  info(id: string): Promise<JobInfo> {
    return this.json(`/jobs/info/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<JobInfo> {
    return this.json(`/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  platforms(): Promise<PlatformView[]> {
    return this.json('/platforms');
  }

  workers(): Promise<Worker[]> {
    return this.json('/workers', { headers: this.adminHeaders });
  }

  /** The latest attempt's whole output so far. */
  async output(id: string, platform: string): Promise<string> {
    const response = await this.request(`/jobs/output/${encodeURIComponent(id)}?platform=${encodeURIComponent(platform)}`, {
      headers: { accept: 'text/plain' },
    });
    return response.text();
  }

  /** The output as it is written, from the start, until the build's output ends or `signal` aborts. */
  async *followOutput(id: string, platform: string, signal: AbortSignal): AsyncGenerator<string> {
    const path = `/jobs/output/${encodeURIComponent(id)}?platform=${encodeURIComponent(platform)}&follow=1`;
    const response = await this.request(path, { headers: { accept: 'text/plain' }, signal });
    if (!response.body) return;
    const decoder = new TextDecoder();
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(bytes, { stream: true });
  }

  /** An artifact's bytes, as a stream. */
  async artifact(id: string, platform: string, name: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.request(`/jobs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}?platform=${encodeURIComponent(platform)}`);
    if (!response.body) throw new FarmApiError(response.status, 'empty_body', `the farm sent no data for artifact '${name}'`);
    return response.body;
  }
}
