/**
 * sysreqs is a service: it may import the platform catalogue (through images/index.ts) and its own
 * files, never infra, control-plane or @pulumi/* (STYLE.md rule 3: services talk over HTTP/NATS).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../../sysreqs/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

test('sysreqs imports only its own files, the catalogue entry and libraries', () => {
  const offences: string[] = [];
  for (const file of sourceFiles(root)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from\s+'([^']+)'/g)) {
      const specifier = match[1];
      if (specifier.startsWith('@pulumi/')) offences.push(`${relative(root, file)} imports ${specifier}`);
      if (!specifier.startsWith('.')) continue;
      const target = relative(root, join(file, '..', specifier));
      if (target.startsWith('..') && target !== join('..', 'images', 'index.ts')) offences.push(`${relative(root, file)} imports ${specifier}: other units are reached through their index.ts, and only images/ from here`);
    }
  }
  assert.equal(offences, []);
});

test.run();
