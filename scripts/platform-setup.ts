/**
 * The local farm's container platforms, from `FARM_PLATFORMS` to images ready to run: the Docker
 * engine started when it is not running, the Debian bases bootstrapped and the images built when
 * missing (progress on `log`), each by content tag. Without FARM_PLATFORMS nothing here runs.
 */
import { join } from 'node:path';
import type { ImagePlatform } from '../images/index.ts';
import { ensureDockerEngine } from './docker-engine.ts';
import { parseFarmPlatforms } from './platform-containers.ts';
import { ensurePlatformImage, machineDebianMirror, type ProgressLog } from './platform-images.ts';

/** Options of `preparePlatformImages`. */
export interface PlatformSetupOptions {
  /** FARM_PLATFORMS: comma list of catalogue ids, or all-local. */
  readonly farmPlatforms: string | undefined;
  /** FARM_DEBIAN_MIRROR: the Debian archive to bootstrap from; default: the machine's apt sources. */
  readonly debianMirror?: string;
  /** Where dockerd's log goes when it is started here. */
  readonly dataDir: string;
  readonly log: ProgressLog;
}

/** The image tag of every platform FARM_PLATFORMS names, built as needed; empty when it names none. */
export async function preparePlatformImages(options: PlatformSetupOptions): Promise<Map<ImagePlatform, string>> {
  const platforms = parseFarmPlatforms(options.farmPlatforms);
  const images = new Map<ImagePlatform, string>();
  if (platforms.length === 0) return images;
  await ensureDockerEngine(join(options.dataDir, 'dockerd.log'));
  const mirror = options.debianMirror || machineDebianMirror();
  const started = Date.now();
  for (const platform of platforms) images.set(platform, await ensurePlatformImage(platform, mirror, options.log));
  options.log(`rfarm: ${platforms.length} platform image(s) ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return images;
}
