/**
 * Where builds work on this host, and the sweep of what dead agents left there. Each build has a job
 * directory (`builds/<name>`, and `builds/<name>-binary` for a fresh binary), a console log
 * (`output-logs/<name>.log`) and a lease (`job-leases/<name>`, the agent's own, naming the worker)
 * that its agent touches with every heartbeat. An agent removes its build's files when the build
 * ends; one that is killed cannot, so every agent sweeps at start and every so often: files whose
 * build it is not running, and whose lease is its own earlier life's or untouched for a while
 * (FARM_JOB_DIR_STALE_SECONDS), are removed, never following a link (untrusted-files.ts).
 */
import { lstat, mkdir, chmod, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeUntrustedTree } from './untrusted-files.ts';

/** What a lease says. */
interface Lease {
  readonly worker: string;
  readonly pid: number;
}

export class JobDirectories {
  private readonly builds: string;
  private readonly logs: string;
  private readonly leases: string;

  constructor(
    dataDir: string,
    private readonly workerId: string,
    private readonly staleMs: number,
  ) {
    this.builds = resolve(dataDir, 'builds');
    this.logs = resolve(dataDir, 'output-logs');
    this.leases = resolve(dataDir, 'job-leases');
  }

  /** Makes the directories: builds let build uids pass (not list), the rest are the agent's alone. */
  async prepare(): Promise<void> {
    for (const [dir, mode] of [
      [this.builds, 0o711],
      [this.logs, 0o700],
      [this.leases, 0o700],
    ] as const) {
      await mkdir(dir, { recursive: true });
      await chmod(dir, mode);
    }
  }

  jobDir(name: string): string {
    return join(this.builds, name);
  }

  outputLog(name: string): string {
    return join(this.logs, `${name}.log`);
  }

  /**
   * Takes the lease of a build's files, before any of them exists. One small file, written
   * synchronously: a build's start waits for it.
   */
  claim(name: string): void {
    const lease: Lease = { worker: this.workerId, pid: process.pid };
    writeFileSync(join(this.leases, name), JSON.stringify(lease), { mode: 0o600 });
  }

  /** Renews the leases of the builds running here (with each heartbeat). */
  async renew(names: readonly string[]): Promise<void> {
    const now = new Date();
    for (const name of names) await utimes(join(this.leases, name), now, now).catch(() => undefined);
  }

  /** Removes a finished build's files and its lease. */
  async release(name: string): Promise<void> {
    for (const path of [this.jobDir(name), `${this.jobDir(name)}-binary`, this.outputLog(name)]) await removeUntrustedTree(path).catch(() => undefined);
    await rm(join(this.leases, name), { force: true });
  }

  /** Removes the files of every build no live agent owns; `running`: the builds this agent runs. Returns the builds removed. */
  async sweep(running: ReadonlySet<string>): Promise<string[]> {
    const names = new Map<string, string[]>();
    const add = (name: string, path: string) => names.set(name, [...(names.get(name) ?? []), path]);
    for (const entry of await readdir(this.builds).catch(() => [])) add(entry.replace(/-binary$/, ''), join(this.builds, entry));
    for (const entry of await readdir(this.logs).catch(() => [])) add(entry.replace(/\.log$/, ''), join(this.logs, entry));
    for (const entry of await readdir(this.leases).catch(() => [])) if (!names.has(entry)) names.set(entry, []);
    const removed: string[] = [];
    for (const [name, paths] of names) {
      if (running.has(name) || !(await this.abandoned(name, paths))) continue;
      for (const path of paths) await removeUntrustedTree(path);
      await rm(join(this.leases, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Whether no live agent owns these files: the lease is an earlier life's of this worker, or is stale. */
  private async abandoned(name: string, paths: readonly string[]): Promise<boolean> {
    const leasePath = join(this.leases, name);
    const lease = await readFile(leasePath, 'utf8').then(
      (text) => JSON.parse(text) as Lease,
      () => null,
    );
    if (lease?.worker === this.workerId && lease.pid !== process.pid) return true;
    // Without a lease (files of an older agent, or a lease that was removed), the files' own age counts.
    const stamps = await Promise.all(
      (lease ? [leasePath] : paths).map((path) =>
        lstat(path).then(
          (stat) => stat.mtimeMs,
          () => 0,
        ),
      ),
    );
    return Date.now() - Math.max(0, ...stamps) > this.staleMs;
  }
}
