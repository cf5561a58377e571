/**
 * How a Linux platform's image is built from the one definition (images/linux/Dockerfile): the
 * build arguments and target a catalogue entry renders to, the files the build reads, the base
 * image a Debian suite is bootstrapped into, and the content tags that make a second build free.
 * Pure: no Docker, no file system.
 */
import { createHash } from 'node:crypto';
import type { LinuxImage, Platform } from '../platforms/catalogue.ts';

/** The one image definition, relative to the repository root. */
export const DOCKERFILE = 'images/linux/Dockerfile';

/** What the `platform` target copies: the install scripts. */
export const PLATFORM_IMAGE_INPUTS = [DOCKERFILE, 'images/linux/scripts'] as const;

/** What the `agent` target (the cloud image) reads: the definition and everything the agent imports, and its npm dependencies. */
export const AGENT_IMAGE_INPUTS = [
  'images/linux',
  'images/agent',
  'images/platforms',
  'images/index.ts',
  'protocol',
  'r-metadata',
  'package.json',
  'package-lock.json',
] as const;

/** The two targets of the definition: the userland alone (local farm) or with the agent copied in (cloud). */
export type ImageTarget = 'platform' | 'agent';

/** A platform with its image description (every Linux platform of the catalogue). */
export type ImagePlatform = Platform & { readonly image: LinuxImage };

/** Whether a platform is built from images/linux/Dockerfile. */
export function hasImage(platform: Platform): platform is ImagePlatform {
  return platform.os === 'linux' && platform.image !== undefined;
}

/** The base image reference: a registry image, or the tag a Debian suite is imported under. */
export function baseReference(image: LinuxImage, mirror: string): string {
  return image.base.kind === 'registry' ? image.base.reference : debianBaseTag(image.base.suite, mirror);
}

/** The `--build-arg` values of a platform's image. */
export function buildArgs(platform: ImagePlatform, mirror: string): Record<string, string> {
  const { image } = platform;
  return {
    BASE_IMAGE: baseReference(image, mirror),
    PLATFORM_ID: platform.id,
    CC_FAMILY: platform.compiler.family,
    FORTRAN: image.fortran,
    R_SOURCE: image.rSource,
    R_VERSION: image.rSource === 'cran' ? image.rVersion : '',
    NODE_SOURCE: image.nodeSource,
    TEX: image.tex,
  };
}

/** The argv after `docker` that builds one image from a context holding DOCKERFILE's inputs. */
export function dockerBuildArgv(platform: ImagePlatform, mirror: string, target: ImageTarget, tag: string): string[] {
  const args = Object.entries(buildArgs(platform, mirror)).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]);
  // Host network: the build reaches Debian's archive without the docker bridge (a private range).
  return ['build', '--network', 'host', '--target', target, '--file', DOCKERFILE, '--tag', tag, ...args, '.'];
}

function shortHash(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** The mmdebstrap invocation that writes a minimal Debian suite as a tarball on stdout. */
export function mmdebstrapArgv(suite: string, mirror: string): string[] {
  return ['--variant=minbase', '--quiet', suite, '-', `deb ${mirror} ${suite} main`];
}

/** Tag of a Debian suite bootstrapped from `mirror`: the same suite and mirror reuse the image. */
export function debianBaseTag(suite: string, mirror: string): string {
  return `rfarm-base:${suite}-${shortHash(mmdebstrapArgv(suite, mirror))}`;
}

/**
 * Tag of a platform image: a digest of the files the build reads and of its arguments, so an
 * unchanged definition is never rebuilt and a changed one always is.
 */
export function platformImageTag(
  platform: ImagePlatform,
  mirror: string,
  files: readonly { readonly path: string; readonly content: Buffer | string }[],
): string {
  const args = JSON.stringify(buildArgs(platform, mirror));
  const digest = shortHash([args, ...files.flatMap((file) => [file.path, file.content])]);
  return `rfarm-platform:${platform.id}-${digest}`;
}
