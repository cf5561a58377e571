/**
 * Image definitions of the non-container platforms (images/<os>/<platform-id>.json): the base image
 * and R version each names explicitly, and the provisioning script. Every Linux platform is built
 * from the one definition images/linux/Dockerfile with the arguments its catalogue entry renders to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKERFILE, type Platform } from '../images/index.ts';

/** One platform's host definition. */
export interface ImageDefinition {
  readonly platform: string;
  /** What the host starts from: an AMI name filter, a vSphere template, a guest image. */
  readonly baseImage: string;
  /** R version installed, as `R_VERSIONS` of the catalogue spells it. */
  readonly rVersion: string;
  /** Provisioning script, relative to the definition's folder. */
  readonly provision: string;
  /** Rtools series (Windows only). */
  readonly rtools?: string;
}

/** Path of a platform's definition file. */
export function definitionPath(repoRoot: string, platform: Platform): string {
  return platform.os === 'linux' ? join(repoRoot, DOCKERFILE) : join(repoRoot, 'images', platform.os, `${platform.id}.json`);
}

/** Reads a non-Linux platform's definition. */
export function readImageDefinition(repoRoot: string, platform: Platform): ImageDefinition {
  const definition = JSON.parse(readFileSync(definitionPath(repoRoot, platform), 'utf8')) as ImageDefinition;
  if (definition.platform !== platform.id) throw new Error(`${definitionPath(repoRoot, platform)} defines '${definition.platform}', expected '${platform.id}'`);
  return definition;
}

/** Reads a script under images/. */
export function readImageScript(repoRoot: string, os: Platform['os'], file: string): string {
  return readFileSync(join(repoRoot, 'images', os, file), 'utf8');
}
