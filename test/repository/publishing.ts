/** Test helpers: submit a package with publish=true and wait until the farm says what became of it. */
import type { LocalFarm } from '../../scripts/local-farm.ts';
import { waitForJob } from '../support/farm.ts';

export function adminHeaders(farm: LocalFarm): Record<string, string> {
  return { authorization: `Bearer ${farm.options.adminToken}` };
}

/** Submits with publish=true (as the admin); returns the job id. */
export async function submitForPublishing(farm: LocalFarm, tarball: Uint8Array, query = ''): Promise<string> {
  const response = await fetch(`${farm.url}/jobs/submit/tarball?publish=true${query ? `&${query}` : ''}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/gzip', ...adminHeaders(farm) },
    body: new Uint8Array(tarball),
  });
  const body = (await response.json()) as { id: string };
  if (response.status !== 202) throw new Error(`submission refused: ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** Waits until the job's builds are finished and no longer pending publication; returns the publications. */
export async function waitForPublication(farm: LocalFarm, jobId: string, timeoutMs = 180_000): Promise<any> {
  await waitForJob(farm, jobId, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const publications = (await (await fetch(`${farm.url}/repository/publications/${jobId}`)).json()) as any;
    if (publications.builds.every((build: any) => build.status !== 'pending')) return publications;
    if (Date.now() > deadline) throw new Error(`job ${jobId} was not published in time: ${JSON.stringify(publications)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Submits, waits, and fails unless every build was published. */
export async function publish(farm: LocalFarm, tarball: Uint8Array): Promise<any> {
  const id = await submitForPublishing(farm, tarball);
  const publications = await waitForPublication(farm, id);
  for (const build of publications.builds) if (build.status !== 'published') throw new Error(`not published: ${JSON.stringify(build)}`);
  return publications;
}
