/**
 * A stand-in for the part of GitHub's REST API the farm's GitHub App uses, on loopback: the App
 * JWT → installation token exchange (the JWT's RS256 signature checked with the App's public
 * key), file contents, the source tarball (a redirect to a codeload URL, as GitHub answers), and
 * check runs. Repositories are real git repositories; tarballs are `git archive` output with
 * GitHub's `<owner>-<repo>-<short sha>/` prefix.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A check run as the stand-in holds it, with every state it was created or patched into. */
export interface StandInCheckRun {
  readonly id: number;
  readonly repository: string;
  fields: Record<string, any>;
  readonly history: Record<string, any>[];
}

/** One API request the farm made, with the installation its token belonged to. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly installationId: number | null;
}

interface Commit {
  readonly tarball: Buffer;
  readonly files: Readonly<Record<string, string>>;
}

export class GitHubStandIn {
  readonly checkRuns: StandInCheckRun[] = [];
  readonly requests: RecordedRequest[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly commits = new Map<string, Commit>();
  private readonly downloads = new Map<string, Buffer>();
  private readonly publicKey: KeyObject;
  private server: Server | null = null;
  url = '';

  constructor(
    private readonly appId: number,
    publicKeyPem: string,
    /** Which installation each repository ("owner/repo") belongs to. */
    private readonly installations: Readonly<Record<string, number>>,
  ) {
    this.publicKey = createPublicKey(publicKeyPem);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => this.json(response, 500, { message: error.message }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Commits `files` to a fresh git repository; returns the commit's sha. Its tarball is `git archive`'s. */
  commit(owner: string, repo: string, files: Readonly<Record<string, string>>): string {
    const dir = mkdtempSync(join(tmpdir(), 'rfarm-gh-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], { cwd: dir })
        .toString()
        .trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', `commit ${randomBytes(4).toString('hex')}`);
    const sha = git('rev-parse', 'HEAD');
    const tarball = execFileSync('git', ['archive', '--format=tar.gz', `--prefix=${owner}-${repo}-${sha.slice(0, 7)}/`, sha], { cwd: dir });
    this.commits.set(`${owner}/${repo}@${sha}`, { tarball, files });
    return sha;
  }

  /** The check runs of one commit, oldest first. */
  checkRunsFor(sha: string): StandInCheckRun[] {
    return this.checkRuns.filter((run) => run.fields.head_sha === sha);
  }

  private json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  }

  private async body(request: IncomingMessage): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  }

  /** The App JWT of a token exchange: RS256 with the App's key, issued by the App, not expired. */
  private appJwtValid(authorization: string | undefined): boolean {
    const token = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    const [header, payload, signature] = token?.split('.') ?? [];
    if (!header || !payload || !signature) return false;
    if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'RS256') return false;
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, 'base64url'))) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    return String(claims.iss) === String(this.appId) && claims.exp > now && claims.iat <= now + 60;
  }

  private installationOf(request: IncomingMessage): number | null {
    const token = /^(?:token|bearer) (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return token ? (this.tokens.get(token) ?? null) : null;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const installationId = this.installationOf(request);
    this.requests.push({ method, path, installationId });

    const download = /^\/codeload\/([0-9a-f]+)$/.exec(path);
    if (method === 'GET' && download && this.downloads.has(download[1])) {
      response.writeHead(200, { 'content-type': 'application/x-gzip' });
      return void response.end(this.downloads.get(download[1]));
    }
    const exchange = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === 'POST' && exchange) {
      if (!this.appJwtValid(request.headers.authorization)) return this.json(response, 401, { message: 'A JSON web token could not be decoded' });
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      this.tokens.set(token, Number(exchange[1]));
      return this.json(response, 201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { checks: 'write', contents: 'read' } });
    }
    const repoPath = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (!repoPath) return this.json(response, 404, { message: 'Not Found' });
    const [, owner, repo, rest] = repoPath;
    // An installation token only opens the repositories of its installation.
    if (installationId === null || this.installations[`${owner}/${repo}`] !== installationId) return this.json(response, 401, { message: 'Bad credentials' });
    const contents = /^contents\/(.+)$/.exec(rest);
    if (method === 'GET' && contents) {
      const commit = this.commits.get(`${owner}/${repo}@${url.searchParams.get('ref')}`);
      const text = commit?.files[decodeURIComponent(contents[1])];
      if (text === undefined) return this.json(response, 404, { message: 'Not Found' });
      if ((request.headers.accept ?? '').includes('raw')) {
        response.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
        return void response.end(text);
      }
      return this.json(response, 200, { type: 'file', encoding: 'base64', content: Buffer.from(text).toString('base64') });
    }
    const tarball = /^tarball\/(.+)$/.exec(rest);
    if (method === 'GET' && tarball) {
      const commit = this.commits.get(`${owner}/${repo}@${tarball[1]}`);
      if (!commit) return this.json(response, 404, { message: 'Not Found' });
      const ticket = randomBytes(8).toString('hex');
      this.downloads.set(ticket, commit.tarball);
      response.writeHead(302, { location: `${this.url}/codeload/${ticket}` });
      return void response.end();
    }
    if (method === 'POST' && rest === 'check-runs') {
      const fields = await this.body(request);
      if (!fields.name || !fields.head_sha) return this.json(response, 422, { message: 'Invalid request: name and head_sha are required' });
      const run: StandInCheckRun = {
        id: this.checkRuns.length + 1,
        repository: `${owner}/${repo}`,
        fields: { status: 'queued', ...fields },
        history: [fields],
      };
      this.checkRuns.push(run);
      return this.json(response, 201, { id: run.id, ...run.fields });
    }
    const patch = /^check-runs\/(\d+)$/.exec(rest);
    if (method === 'PATCH' && patch) {
      const run = this.checkRuns.find((candidate) => candidate.id === Number(patch[1]) && candidate.repository === `${owner}/${repo}`);
      if (!run) return this.json(response, 404, { message: 'Not Found' });
      const fields = await this.body(request);
      run.fields = { ...run.fields, ...fields };
      run.history.push(fields);
      return this.json(response, 200, { id: run.id, ...run.fields });
    }
    return this.json(response, 404, { message: 'Not Found' });
  }
}
