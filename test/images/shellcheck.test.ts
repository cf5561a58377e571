import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testUnless } from '../support/skip.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ROOTS = ['images', 'infra'];

function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? shellScripts(path) : path.endsWith('.sh') ? [path] : [];
  });
}

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

const missing = hasShellcheck ? undefined : 'shellcheck is not installed (npm test installs it; or apt-get install -y shellcheck)';

testUnless(missing, 'every .sh file under images/ and infra/ passes shellcheck', () => {
  const scripts = ROOTS.flatMap((root) => shellScripts(join(repoRoot, root)));
  assert.ok(scripts.length >= 8, `found only ${scripts.length} scripts`);
  const result = spawnSync('shellcheck', ['--format=gcc', ...scripts], { encoding: 'utf8' });
  assert.is(result.status, 0, `shellcheck findings:\n${result.stdout.split(repoRoot).join('')}`);
  assert.ok(scripts.every((script) => relative(repoRoot, script)));
});

test.run();
