/**
 * The system-requirements step before a check: ask the sysreqs service what OS packages the
 * package needs on this platform, then install them (disposable build hosts) or say which are
 * missing (a person's own machine, where the farm must not run the package manager).
 */
import { spawn } from 'node:child_process';
import type { Platform } from '../index.ts';
import type { OutputSink } from './sandboxed-process.ts';

/** One requirement the service matched (the `matched[]` / `optional[]` entries of `POST /resolve`). */
export interface MatchedRequirementAnswer {
  readonly package: string;
  readonly rule: string;
  readonly text: string;
  readonly packages: string[];
  /** Another matched rule whose OS packages already bring this one. */
  readonly covered_by?: string;
}

/** Text or a dependency the service could not turn into requirements (`unmatched[]`). */
export interface UnmatchedAnswer {
  readonly package: string;
  /** `SystemRequirements`, `Package`, or a dependency field. */
  readonly field: string;
  readonly text: string;
  readonly reason: string;
}

/** What the sysreqs service answered for a package (the wire shape of `POST /resolve`). */
export interface SystemRequirementsPlan {
  readonly packages: string[];
  readonly pre_install: string[];
  readonly install_scripts: string[];
  readonly post_install: string[];
  readonly matched: MatchedRequirementAnswer[];
  /** Requirements the package marks optional: reported, not installed. */
  readonly optional: MatchedRequirementAnswer[];
  readonly unmatched: UnmatchedAnswer[];
}

/** Largest source tarball sent to the service (its own limit is 100 MB). */
const MAX_SOURCE_BYTES = 100 * 1024 * 1024;

export interface SystemRequirementsOutcome {
  /** OS packages the check needs that are not on this host. */
  readonly missing: string[];
  /** An infrastructure failure (service down, install failed), if any. */
  readonly failure: string | null;
  /** The service stayed unreachable for the whole wait: another attempt would only wait again. */
  readonly unavailable?: boolean;
  /** The wait was cut short by a cancel (or the agent leaving). */
  readonly cancelled?: boolean;
}

/** The service could not be reached, or answered that it cannot serve now (502, 503, 504). */
export class SysreqsUnavailable extends Error {
  override name = 'SysreqsUnavailable';
}

/** How long to wait for an unreachable service, and what ends the wait early. */
export interface SysreqsWait {
  readonly waitMs: number;
  readonly cancel?: AbortSignal;
}

/** `fetch` that turns "nobody answers" into SysreqsUnavailable. */
async function request(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init).catch((error: Error) => {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? error.name;
    throw new SysreqsUnavailable(`${code === 'TimeoutError' ? 'no answer in time' : code}`, { cause: error });
  });
  if ([502, 503, 504].includes(response.status)) {
    await response.body?.cancel();
    throw new SysreqsUnavailable(`it answered ${response.status}`);
  }
  return response;
}

function run(command: string, sink: OutputSink): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.stdout.on('data', (chunk: Buffer) => sink.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => sink.write(chunk.toString()));
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(127));
  });
}

/** Which of `packages` the host's package manager does not have installed. */
async function missingPackages(platform: Platform, packages: readonly string[]): Promise<string[]> {
  const isDeb = ['debian', 'ubuntu'].includes(platform.sysreqs.name);
  const isRpm = ['fedora', 'rhel', 'rocky', 'almalinux', 'centos', 'opensuse'].includes(platform.sysreqs.name);
  if (!isDeb && !isRpm) return [];
  const missing: string[] = [];
  // Names go into a shell command: take only what package names look like.
  for (const name of packages.filter((candidate) => /^[A-Za-z0-9.+_:-]+$/.test(candidate))) {
    const probe = isDeb ? `dpkg-query -W -f='\${Status}' ${name} 2>/dev/null | grep -q 'install ok installed'` : `rpm -q ${name} >/dev/null 2>&1`;
    const silent: OutputSink = { write: () => undefined, bytes: 0 };
    if ((await run(probe, silent)) !== 0) missing.push(name);
  }
  return missing;
}

/** Waits `ms`; true when `cancel` fired first. */
function pause(ms: number, cancel?: AbortSignal): Promise<boolean> {
  if (cancel?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      cancel?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    cancel?.addEventListener('abort', onAbort, { once: true });
  });
}

export class SystemRequirements {
  constructor(
    private readonly serviceUrl: string,
    private readonly platform: Platform,
    private readonly mayInstall: boolean,
  ) {}

  /**
   * Asks the service. With the package's source tarball, sends the tarball, so the service reads its
   * configure and src/Makevars* too; a tarball the service cannot read, or one over the size cap,
   * falls back to the DESCRIPTION text.
   */
  async resolve(description: string, sourceTarball?: Uint8Array): Promise<SystemRequirementsPlan> {
    const platform = `${this.platform.sysreqs.name}-${this.platform.sysreqs.release}`;
    if (sourceTarball !== undefined && sourceTarball.length <= MAX_SOURCE_BYTES) {
      const response = await request(`${this.serviceUrl}/resolve?platform=${encodeURIComponent(platform)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/gzip' },
        body: new Uint8Array(sourceTarball),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json()) as SystemRequirementsPlan & { error?: { code: string; message: string } };
      if (response.ok) return body;
      if (body.error?.code !== 'malformed_source') throw new Error(body.error?.message ?? `sysreqs answered ${response.status}`);
    }
    const response = await request(`${this.serviceUrl}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform, description }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await response.json()) as SystemRequirementsPlan & { error?: { message: string } };
    if (!response.ok) throw new Error(body.error?.message ?? `sysreqs answered ${response.status}`);
    return body;
  }

  /**
   * Resolves, waiting up to `wait.waitMs` while the service is unreachable (it may be restarting);
   * then installs or reports. Writes its own section of the build output.
   */
  async prepare(description: string, sink: OutputSink, sourceTarball?: Uint8Array, wait: SysreqsWait = { waitMs: 0 }): Promise<SystemRequirementsOutcome> {
    sink.write('\n>>> rfarm: system requirements\n');
    const deadline = Date.now() + wait.waitMs;
    let plan: SystemRequirementsPlan | null = null;
    for (let pauseMs = 1_000, said = false; plan === null; pauseMs = Math.min(pauseMs * 2, 10_000)) {
      try {
        plan = await this.resolve(description, sourceTarball);
        if (said) sink.write('the sysreqs service answers again\n');
      } catch (error) {
        if (!(error instanceof SysreqsUnavailable)) return { missing: [], failure: `the sysreqs service failed: ${(error as Error).message}` };
        const seconds = Math.round(wait.waitMs / 1000);
        if (Date.now() >= deadline) {
          const reason = `system requirements: the sysreqs service at ${this.serviceUrl} was unavailable for ${seconds} s (${error.message}); FARM_SYSREQS_WAIT_SECONDS sets how long builds wait for it`;
          sink.write(`>>> rfarm: ERROR: ${reason}\n`);
          return { missing: [], failure: reason, unavailable: true };
        }
        if (!said) sink.write(`>>> rfarm: the sysreqs service at ${this.serviceUrl} is unavailable (${error.message}); waiting up to ${seconds} s for it\n`);
        said = true;
        // The last pause ends at the deadline, for one more try.
        const stopped = await pause(Math.max(0, Math.min(pauseMs, deadline - Date.now())), wait.cancel);
        if (stopped) return { missing: [], failure: 'stopped while waiting for the sysreqs service', cancelled: true };
      }
    }
    for (const match of plan.matched) {
      const what = match.covered_by ? `(already brought by ${match.covered_by})` : match.packages.join(' ') || '(nothing to install here)';
      sink.write(`${match.rule}: ${what}  (from "${match.text}")\n`);
    }
    for (const match of plan.optional ?? []) sink.write(`optional, not installed: ${match.rule}: ${match.packages.join(' ')}  (from "${match.text}")\n`);
    for (const entry of plan.unmatched) {
      sink.write(
        entry.field === 'SystemRequirements'
          ? `not understood, nothing installed for: "${entry.text}"\n`
          : `${entry.package}: ${entry.text}: ${entry.reason}\n`,
      );
    }
    const missing = await missingPackages(this.platform, plan.packages);
    if (plan.packages.length === 0) sink.write('none needed\n');
    else if (missing.length === 0) sink.write(`all present: ${plan.packages.join(' ')}\n`);
    if (missing.length === 0) return { missing, failure: null };
    if (!this.mayInstall) {
      sink.write(
        `missing on this host: ${missing.join(' ')}\nthis farm does not install OS packages (FARM_INSTALL_SYSREQS is not 1); to install: ${plan.install_scripts.join(' && ')}\n`,
      );
      return { missing, failure: null };
    }
    for (const command of [...plan.pre_install, ...plan.install_scripts, ...plan.post_install]) {
      sink.write(`$ ${command}\n`);
      const code = await run(command, sink);
      if (code !== 0) return { missing, failure: `installing system requirements failed: \`${command}\` exited ${code}` };
    }
    return { missing: await missingPackages(this.platform, plan.packages), failure: null };
  }
}
