/**
 * Runs every `*.test.ts` under test/ as its own process (each suite starts its own nats-server and
 * farm), at most TEST_JOBS at once, and exits non-zero when any file fails or runs no test. uvu's own
 * summary is per file; the closing line here is the plain "N passed, N failed" CI reads.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = join(testRoot, '..');
const filter = process.argv[2];
const parallel = Number(process.env.TEST_JOBS ?? 2);

function findTestFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTestFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
  output: string;
  seconds: number;
}

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: projectRoot,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) => {
      const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output)?.[1] ?? 0);
      const total = count('Total');
      const passed = count('Passed');
      const skipped = count('Skipped');
      resolve({
        file: relative(projectRoot, file),
        passed,
        failed: Math.max(total - passed - skipped, code === 0 ? 0 : 1),
        skipped,
        exitCode: code ?? (signal ? 1 : 0),
        output,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

const files = findTestFiles(testRoot).filter((file) => !filter || file.includes(filter)).sort();
const queue = [...files];
const results: FileResult[] = [];

async function worker(): Promise<void> {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const result = await runFile(file);
    results.push(result);
    const ok = result.exitCode === 0 && result.passed > 0;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${result.file}  ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped  (${result.seconds.toFixed(1)} s)`);
    if (!ok) console.log(result.output.split('\n').map((line) => `  | ${line}`).join('\n'));
    else if (process.env.TEST_VERBOSE) console.log(result.output);
  }
}

await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed + (result.exitCode === 0 && result.passed === 0 ? 1 : 0), 0);
const skipped = results.reduce((sum, result) => sum + result.skipped, 0);
console.log(`\n${files.length} test files`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
