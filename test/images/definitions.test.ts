import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PLATFORMS, R_VERSIONS } from '../../images/index.ts';
import { definitionPath, readImageDefinition } from '../../infra/image-definitions.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

test('every platform of the catalogue has a host definition', () => {
  for (const platform of PLATFORMS.filter((candidate) => candidate.provider !== 'local')) assert.ok(existsSync(definitionPath(repoRoot, platform)), `${platform.id}: ${definitionPath(repoRoot, platform)} is missing`);
});

test('every Linux Dockerfile names a pinned base image and the platform’s R version', () => {
  for (const platform of PLATFORMS.filter((candidate) => candidate.os === 'linux')) {
    const dockerfile = readFileSync(definitionPath(repoRoot, platform), 'utf8');
    const base = /^FROM (\S+)/m.exec(dockerfile)?.[1] ?? '';
    assert.match(base, /^[a-z]+:[\w.-]+$/, `${platform.id}: base image '${base}' has no tag`);
    assert.not.match(base, /:latest$/, `${platform.id}: base image must not float on :latest`);
    assert.match(dockerfile, `R_VERSION=${R_VERSIONS[platform.rFlavour]} `, `${platform.id}: R_VERSION must be ${R_VERSIONS[platform.rFlavour]}`);
    assert.match(dockerfile, `CC_FAMILY=${platform.compiler.family}`);
    assert.match(dockerfile, `org.rfarm.platform="${platform.id}"`);
    assert.match(dockerfile, 'CMD ["node", "--import", "tsx", "images/agent/main.ts"]');
  }
});

test('each Linux image’s base matches its distribution in the catalogue', () => {
  const expectedBase = (name: string, release: string) => (name === 'debian' ? `debian:${release}` : `${name}:${release}`);
  for (const platform of PLATFORMS.filter((candidate) => candidate.os === 'linux')) {
    const base = /^FROM (\S+)/m.exec(readFileSync(definitionPath(repoRoot, platform), 'utf8'))?.[1];
    assert.is(base, expectedBase(platform.distribution.name, platform.distribution.release), platform.id);
  }
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
