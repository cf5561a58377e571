import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import {
  AGENT_IMAGE_INPUTS,
  DOCKERFILE,
  PLATFORMS,
  R_VERSIONS,
  buildArgs,
  debianBaseTag,
  hasImage,
  locallyBuildablePlatforms,
  platformImageTag,
} from '../../images/index.ts';
import { definitionPath, readImageDefinition } from '../../infra/image-definitions.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

test('every platform of the catalogue has a host definition', () => {
  for (const platform of PLATFORMS.filter((candidate) => candidate.provider !== 'local'))
    assert.ok(existsSync(definitionPath(repoRoot, platform)), `${platform.id}: ${definitionPath(repoRoot, platform)} is missing`);
});

const dockerfile = () => readFileSync(join(repoRoot, DOCKERFILE), 'utf8');

test('every Linux platform is built from the one definition, with an image description', () => {
  for (const platform of PLATFORMS.filter((candidate) => candidate.os === 'linux')) {
    assert.ok(hasImage(platform), `${platform.id}: no image in the catalogue`);
    assert.is(definitionPath(repoRoot, platform), join(repoRoot, DOCKERFILE));
  }
  assert.equal(
    readdirSync(join(repoRoot, 'images/linux')).filter((name) => name.startsWith('r-')),
    [],
    'per-platform Dockerfile folders are gone',
  );
});

test('the definition declares every build argument the recipe renders, and nothing else is left to defaults', () => {
  const declared = new Set([...dockerfile().matchAll(/^ARG (\w+)/gm)].map((match) => match[1]));
  for (const platform of PLATFORMS.filter(hasImage)) {
    for (const name of Object.keys(buildArgs(platform, 'http://deb.debian.org/debian')))
      assert.ok(declared.has(name), `${name} is not an ARG of ${DOCKERFILE}`);
  }
});

test('the definition has the platform and agent targets, the agent last, and pulls no frontend image', () => {
  const text = dockerfile();
  assert.match(text, /^FROM \$\{BASE_IMAGE\} AS platform$/m);
  assert.match(text, /^FROM platform AS agent$/m);
  assert.ok(text.lastIndexOf('AS agent') > text.lastIndexOf('AS platform'));
  assert.not.match(text, /^# syntax=/m, 'a syntax line pulls docker/dockerfile from a registry');
  assert.match(text, 'CMD ["node", "--import", "tsx", "images/agent/main.ts"]');
  assert.match(text, 'LABEL org.rfarm.platform="${PLATFORM_ID}"');
});

test('cloud images pin a registry base with a tag, CRAN’s R of the flavour and nodejs.org', () => {
  for (const platform of PLATFORMS.filter(hasImage).filter((candidate) => candidate.provider !== 'local')) {
    const { image } = platform;
    assert.is(image.base.kind, 'registry', platform.id);
    const reference = image.base.kind === 'registry' ? image.base.reference : '';
    assert.match(reference, /^[a-z]+:[\w.-]+$/, `${platform.id}: base image '${reference}' has no tag`);
    assert.not.match(reference, /:latest$/, `${platform.id}: base image must not float on :latest`);
    assert.is(reference, `${platform.distribution.name}:${platform.distribution.release}`, platform.id);
    assert.is(image.rSource, 'cran');
    assert.is(image.rVersion, R_VERSIONS[platform.rFlavour], platform.id);
    assert.is(image.nodeSource, 'nodejs.org');
    assert.is(image.buildsWithoutRegistry, false, platform.id);
    assert.is(buildArgs(platform, 'http://deb.debian.org/debian').R_VERSION, R_VERSIONS[platform.rFlavour]);
  }
});

test('an image builds without a registry exactly when its base, R and Node all come from Debian’s archive', () => {
  for (const platform of PLATFORMS.filter(hasImage)) {
    const { image } = platform;
    const fromArchive = image.base.kind === 'debian-archive' && image.rSource === 'debian' && image.nodeSource === 'debian';
    assert.is(image.buildsWithoutRegistry, fromArchive, platform.id);
  }
  assert.ok(locallyBuildablePlatforms().length >= 3, 'at least three platforms build here');
});

test('local platforms are named by R version, never as a CRAN flavour', () => {
  for (const platform of locallyBuildablePlatforms()) {
    assert.match(platform.id, /^r-\d+-\d+-linux-x86_64-debian-\d+-(gcc|clang)$/, platform.id);
    assert.is(platform.provider, 'local');
    assert.match(platform.id, platform.image?.rVersion.split('.').slice(0, 2).join('-') ?? '?');
  }
});

/** The repository files a module imports, transitively, through relative imports. */
function localImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(repoRoot, file), 'utf8');
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g))
    localImports(relative(repoRoot, resolve(dirname(join(repoRoot, file)), match[1])), seen);
  return seen;
}

test('the cloud image’s build context admits every file the agent imports, and its tag covers them', () => {
  const admitted = readFileSync(join(repoRoot, 'images/linux/Dockerfile.dockerignore'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1));
  const isAdmitted = (file: string) => admitted.some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry));
  const tagged = (file: string) => AGENT_IMAGE_INPUTS.some((input) => file === input || file.startsWith(`${input}/`));
  const copied = [...dockerfile().matchAll(/^COPY (\S+)\/ /gm)].map((match) => `${match[1]}/`);
  for (const file of localImports('images/agent/main.ts')) {
    assert.ok(
      copied.some((dir) => file.startsWith(dir)),
      `${file} is imported by the agent but no COPY line of ${DOCKERFILE} brings its folder`,
    );
    assert.ok(isAdmitted(file), `${file} is imported by the agent but left out by Dockerfile.dockerignore`);
    assert.ok(tagged(file), `${file} is imported by the agent but not in AGENT_IMAGE_INPUTS (the image tag would not change with it)`);
  }
});

test('a Debian base is tagged by suite and mirror, a platform image by its inputs and arguments', () => {
  const [platform] = locallyBuildablePlatforms().filter(hasImage);
  const mirror = 'http://deb.debian.org/debian';
  assert.is(debianBaseTag('trixie', mirror), debianBaseTag('trixie', mirror));
  assert.is.not(debianBaseTag('trixie', mirror), debianBaseTag('trixie', 'http://ftp.de.debian.org/debian'));
  const files = [{ path: DOCKERFILE, content: 'FROM x' }];
  assert.is(platformImageTag(platform, mirror, files), platformImageTag(platform, mirror, files));
  assert.is.not(platformImageTag(platform, mirror, files), platformImageTag(platform, mirror, [{ path: DOCKERFILE, content: 'FROM y' }]));
  assert.match(platformImageTag(platform, mirror, files), new RegExp(`^rfarm-platform:${platform.id}-[0-9a-f]{12}$`));
});

test('Windows, macOS and Solaris definitions name their base image, the platform’s R version and an existing script', () => {
  for (const platform of PLATFORMS.filter((candidate) => candidate.os !== 'linux' && candidate.provider !== 'local')) {
    const definition = readImageDefinition(repoRoot, platform);
    assert.ok(definition.baseImage.length > 0);
    assert.is(definition.rVersion, R_VERSIONS[platform.rFlavour], platform.id);
    assert.ok(existsSync(join(repoRoot, 'images', platform.os, definition.provision)), `${platform.id}: ${definition.provision} missing`);
    if (platform.os === 'windows') assert.match(definition.rtools ?? '', /^\d{2}$/);
  }
});

test('every host definition starts the same agent', () => {
  const starters = ['images/windows/provision.ps1', 'images/macos/agent-boot.sh', 'images/solaris/agent-boot.sh'];
  for (const path of starters) assert.match(readFileSync(join(repoRoot, path), 'utf8'), /--import'? '?tsx'? '?images\/agent\/main\.ts/, path);
});

test.run();
