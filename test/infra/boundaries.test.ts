import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROVIDER_VERSION, TOKENS, VirtualMachine } from '../../infra/vsphere/sdk.ts';
import { repoRoot } from './stack-suite.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('components never read process.env or new pulumi.Config()', () => {
  for (const file of sources(join(repoRoot, 'infra')).filter((path) => !path.endsWith('infra/index.ts') && !path.includes('/cost/cli.ts'))) {
    const text = readFileSync(file, 'utf8');
    assert.not.match(text, /process\.env|new pulumi\.Config\(/, `${relative(repoRoot, file)} reads config or the environment`);
  }
});

test('the vSphere binding uses the provider’s real type tokens and pins its version', () => {
  assert.is(TOKENS.virtualMachine, 'vsphere:index/virtualMachine:VirtualMachine');
  for (const lookup of ['getDatacenter', 'getVirtualMachine', 'getDatastore', 'getResourcePool', 'getNetwork'] as const)
    assert.is(TOKENS[lookup], `vsphere:index/${lookup}:${lookup}`);
  assert.match(PROVIDER_VERSION, /^\d+\.\d+\.\d+$/);
  assert.type(VirtualMachine, 'function');
});

test('infra files stay within the style guide’s size (500 lines at most)', () => {
  for (const file of sources(join(repoRoot, 'infra'))) {
    const lines = readFileSync(file, 'utf8').split('\n').length;
    assert.ok(lines <= 500, `${relative(repoRoot, file)} has ${lines} lines`);
  }
});

test.run();
