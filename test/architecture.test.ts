/**
 * Dependencies point one way (STYLE.md rule 3): services never import infra or @pulumi/*, infra
 * never imports service runtime code; services talk over NATS or HTTP, not imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]);
}

function violations(folders: string[], forbidden: RegExp): string[] {
  return folders.flatMap((folder) =>
    sourceFiles(join(root, folder)).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => forbidden.test(specifier))
        .map((specifier) => `${relative(root, file)} imports ${specifier}`),
    ),
  );
}

test('the control plane, the agent, sysreqs and the protocol never import infra or @pulumi/*', () => {
  const found = violations(['control-plane', 'images/agent', 'images/platforms', 'sysreqs', 'protocol'], /^@pulumi\/|(^|\/)infra\//);
  assert.equal(found, [], 'services must not depend on the cloud program; read the catalogue from images/ instead');
});

test('infra imports only the catalogue side of images/, never service runtime code', () => {
  const found = violations(['infra'], /(^|\/)(control-plane|sysreqs|protocol|images\/agent)\//);
  assert.equal(found, [], 'infra may import images/index.ts (the catalogue) and nothing that runs in a service');
});

test('the control plane does not import the agent, and the agent does not import the control plane', () => {
  assert.equal(violations(['control-plane'], /images\/agent\//), []);
  assert.equal(violations(['images/agent'], /control-plane\//), []);
  assert.equal(violations(['control-plane', 'images/agent'], /(^|\/)sysreqs\//), [], 'the sysreqs service is reached over HTTP');
});

test.run();
