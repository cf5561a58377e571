/** A real local farm per test file, and small HTTP helpers for talking to it. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFarm, type LocalFarmOptions } from '../../scripts/local-farm.ts';

export const TERMINAL = ['DONE', 'FAILED', 'CANCELLED', 'TIMEOUT'];

export async function startTestFarm(options: Partial<LocalFarmOptions> = {}): Promise<LocalFarm & { cleanup(): Promise<void> }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rfarm-test-'));
  const farm = await LocalFarm.start({ dataDir, adminToken: randomBytes(16).toString('hex'), workers: 1, ...options });
  await farm.waitForWorkers(options.workers ?? 1);
  return Object.assign(farm, {
    cleanup: async () => {
      await farm.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export async function submit(farm: { url: string }, tarball: Uint8Array, query = ''): Promise<{ status: number; body: any }> {
  const response = await fetch(`${farm.url}/jobs/submit/tarball${query ? `?${query}` : ''}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/gzip' },
    body: new Uint8Array(tarball),
  });
  return { status: response.status, body: await response.json() };
}

export async function jobInfo(farm: { url: string }, id: string): Promise<any> {
  const response = await fetch(`${farm.url}/jobs/info/${id}`);
  if (!response.ok) throw new Error(`info ${id}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Polls until every build of the job satisfies `done` (default: finished). */
export async function waitForJob(farm: { url: string }, id: string, timeoutMs = 180_000, done = (build: any) => TERMINAL.includes(build.status)): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jobInfo(farm, id).catch(() => null);
    if (info && info.builds.every(done)) return info;
    if (Date.now() > deadline) throw new Error(`job ${id} not done in time: ${JSON.stringify(info?.builds?.map((b: any) => b.status))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function output(farm: { url: string }, id: string, platform?: string): Promise<string> {
  const response = await fetch(`${farm.url}/jobs/output/${id}${platform ? `?platform=${platform}` : ''}`);
  return response.text();
}
