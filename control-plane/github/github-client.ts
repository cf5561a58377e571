/**
 * The few GitHub REST calls the farm makes, as its GitHub App: `@octokit/rest` for the requests,
 * `@octokit/auth-app` for the App JWT → installation access token exchange (tokens are cached
 * until shortly before they expire). One Octokit per installation; the base URL is configurable
 * (GitHub Enterprise, and the loopback stand-in of the tests).
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';

/** How to act as the App. */
export interface GitHubAppCredentials {
  readonly appId: number;
  /** The App's private key, PEM (PKCS#1 as GitHub hands it out, or PKCS#8). */
  readonly privateKey: string;
  /** The REST API's base URL, e.g. https://api.github.com. */
  readonly apiUrl: string;
}

/** Where a call goes: an installation and one of its repositories. */
export interface RepositoryRef {
  readonly installationId: number;
  readonly owner: string;
  readonly repo: string;
}

/** A check run as created or updated (the fields of POST/PATCH /repos/{o}/{r}/check-runs). */
export interface CheckRunFields {
  readonly name?: string;
  readonly head_sha?: string;
  readonly status?: 'queued' | 'in_progress' | 'completed';
  readonly conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
  readonly started_at?: string;
  readonly completed_at?: string;
  readonly details_url?: string;
  readonly external_id?: string;
  readonly output?: { readonly title: string; readonly summary: string; readonly text?: string };
}

/** A GitHub answer the farm could not use (HTTP status kept for deciding whether to retry). */
export class GitHubRequestError extends Error {
  override name = 'GitHubRequestError';
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : null;
}

async function call<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof GitHubRequestError) throw error;
    throw new GitHubRequestError(`GitHub: ${what} failed: ${(error as Error).message}`, statusOf(error), { cause: error });
  }
}

export class GitHubClient {
  private readonly installations = new Map<number, Octokit>();

  constructor(private readonly credentials: GitHubAppCredentials) {}

  private octokit(installationId: number): Octokit {
    let octokit = this.installations.get(installationId);
    if (!octokit) {
      octokit = new Octokit({
        baseUrl: this.credentials.apiUrl,
        userAgent: 'rfarm',
        authStrategy: createAppAuth,
        auth: { appId: this.credentials.appId, privateKey: this.credentials.privateKey, installationId },
      });
      this.installations.set(installationId, octokit);
    }
    return octokit;
  }

  /** A file's text at a commit, or null when the repository has no such file. */
  async readFile(where: RepositoryRef, path: string, ref: string): Promise<string | null> {
    try {
      const response = await this.octokit(where.installationId).rest.repos.getContent({
        owner: where.owner,
        repo: where.repo,
        path,
        ref,
        mediaType: { format: 'raw' },
      });
      return String(response.data);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw new GitHubRequestError(`GitHub: reading ${path} of ${where.owner}/${where.repo} at ${ref} failed: ${(error as Error).message}`, statusOf(error), {
        cause: error,
      });
    }
  }

  /** The repository's source archive (.tar.gz) at a commit, refused beyond `limitBytes`. */
  async downloadTarball(where: RepositoryRef, ref: string, limitBytes: number): Promise<Buffer> {
    return call(`downloading ${where.owner}/${where.repo} at ${ref}`, async () => {
      // The body as a stream (GitHub answers with a redirect to codeload, which fetch follows), so a huge archive is cut off at the limit.
      const response = await this.octokit(where.installationId).request('GET /repos/{owner}/{repo}/tarball/{ref}', {
        owner: where.owner,
        repo: where.repo,
        ref,
        request: { parseSuccessResponseBody: false },
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.data as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > limitBytes) throw new GitHubRequestError(`the repository's archive is larger than this farm's upload limit of ${limitBytes} bytes`, 413);
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    });
  }

  /** Creates a check run; returns its id. */
  async createCheckRun(where: RepositoryRef, fields: CheckRunFields & { name: string; head_sha: string }): Promise<number> {
    return call(`creating check run '${fields.name}' on ${where.owner}/${where.repo}`, async () => {
      const response = await this.octokit(where.installationId).rest.checks.create({ owner: where.owner, repo: where.repo, ...fields });
      return response.data.id;
    });
  }

  /** Updates a check run (e.g. completes it with its conclusion). */
  async updateCheckRun(where: RepositoryRef, checkRunId: number, fields: CheckRunFields): Promise<void> {
    await call(`updating check run ${checkRunId} on ${where.owner}/${where.repo}`, () =>
      this.octokit(where.installationId).rest.checks.update({ owner: where.owner, repo: where.repo, check_run_id: checkRunId, ...fields }),
    );
  }
}
