/**
 * A real local farm whose agents are platform containers (real Docker, real images, real R in each).
 * Images are built when missing, cached by content between runs. When Docker cannot be used the
 * start fails with a message saying why: these tests never skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPlatform, hasImage, type ImagePlatform } from '../../images/index.ts';
import { LocalFarm, type LocalFarmOptions } from '../../scripts/local-farm.ts';
import { containerAgentEnv, PlatformContainer, startPlatformContainers, type PlatformFarm } from '../../scripts/platform-containers.ts';
import { preparePlatformImages } from '../../scripts/platform-setup.ts';

/** The three platforms the tests check on: R 4.2 / GCC, R 4.5 / GCC, R 4.5 / clang. */
export const LOCAL_PLATFORMS = ['r-4-2-linux-x86_64-debian-12-gcc', 'r-4-5-linux-x86_64-debian-13-gcc', 'r-4-5-linux-x86_64-debian-13-clang'] as const;

/** The catalogue entry of a local platform id (fails loudly when the catalogue lost it). */
export function localPlatform(id: string): ImagePlatform {
  const platform = findPlatform(id);
  if (!platform || !hasImage(platform)) throw new Error(`${id} is not a platform with an image in the catalogue`);
  return platform;
}

/** A test farm with container agents, and how to replace one. */
export interface PlatformTestFarm extends LocalFarm {
  readonly containers: PlatformContainer[];
  readonly images: ReadonlyMap<ImagePlatform, string>;
  /** Starts one more container for a platform (e.g. after killing one). */
  addContainer(platformId: string, workerId: string): PlatformContainer;
  cleanup(): Promise<void>;
}

/** Builds (or finds) the images, starts a farm with no host agent and one container per platform, waits until all joined. */
export async function startPlatformFarm(platformIds: readonly string[], options: Partial<LocalFarmOptions> = {}): Promise<PlatformTestFarm> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rfarm-platforms-'));
  const images = await preparePlatformImages({ farmPlatforms: platformIds.join(','), dataDir, log: (line) => console.log(line) }).catch((error: Error) => {
    throw new Error(`the platform tests need Docker and the platform images, and they are not available: ${error.message}`, { cause: error });
  });
  const farm = await LocalFarm.start({ dataDir, adminToken: randomBytes(16).toString('hex'), workers: 0, ...options });
  const platformFarm: PlatformFarm = { agentEnv: farm.options.agentEnv ?? {}, farmDataDir: dataDir, natsCredsFor: farm.natsAuth.agentCreds };
  const containers = startPlatformContainers(platformFarm, images);
  const addContainer = (platformId: string, workerId: string) => {
    const platform = localPlatform(platformId);
    const container = new PlatformContainer({
      platform,
      image: images.get([...images.keys()].find((entry) => entry.id === platformId)!)!,
      agentEnv: containerAgentEnv(platformFarm, platformId),
      farmDataDir: dataDir,
      workerId,
    });
    container.start();
    containers.push(container);
    return container;
  };
  const cleanup = async () => {
    await Promise.all(containers.map((container) => container.stop()));
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await farm.waitForWorkers(platformIds.length, 120_000);
  } catch (error) {
    const tails = containers.map((container) => `${container.name}: ${container.stderrTail.trim().split('\n').slice(-5).join(' | ')}`).join('\n');
    await cleanup();
    throw new Error(`${(error as Error).message}\n${tails}`, { cause: error });
  }
  return Object.assign(farm, { containers, images, addContainer, cleanup });
}
