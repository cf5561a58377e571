/**
 * Runs every `*.test.ts` under the folders and files given as arguments (all of test/ when none),
 * each as its own process (each suite starts its own nats-server and farm), at most TEST_JOBS at once.
 * An argument is a path to a folder or file, or else a substring of a test file's path; one that
 * matches nothing is an error, so a typo cannot run nothing silently.
 *
 * A file fails when it exits non-zero, runs no test and skips none, or skips a test without saying
 * why (test/support/skip.ts prints the `SKIP: <name>: <reason>` lines read here). uvu's own summary is
 * per file; the closing line here is the plain "N passed, N failed, N skipped" CI reads, after the
 * list of skipped tests and their reasons.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SKIP_MARKER } from './support/skip.ts';

const testRoot = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = join(testRoot, '..');
const parallel = Number(process.env.TEST_JOBS ?? 2);

function findTestFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTestFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The test files one argument names: a file or every test file under a folder in test/, or those whose path contains it. */
function filesFor(argument: string, allFiles: string[]): string[] {
  for (const path of [resolve(argument), resolve(projectRoot, argument)]) {
    if (!existsSync(path) || relative(testRoot, path).startsWith('..')) continue;
    if (statSync(path).isDirectory()) return findTestFiles(path);
    return [path];
  }
  return allFiles.filter((file) => file.includes(argument));
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  /** `<test name>: <reason>` for each skip the file explained. */
  skipReasons: string[];
  exitCode: number;
  output: string;
  seconds: number;
}

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
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
      const skipReasons = output
        .split('\n')
        .filter((line) => line.startsWith(SKIP_MARKER))
        .map((line) => line.slice(SKIP_MARKER.length));
      resolvePromise({
        file: relative(projectRoot, file),
        passed,
        failed: Math.max(total - passed - skipped, code === 0 ? 0 : 1),
        skipped,
        skipReasons,
        exitCode: code ?? (signal ? 1 : 0),
        output,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/** Why a file counts as failed, or undefined when it does not. */
function failureOf(result: FileResult): string | undefined {
  if (result.exitCode !== 0) return `exited with ${result.exitCode}`;
  if (result.passed === 0 && result.skipped === 0) return 'ran no test';
  if (result.skipped > result.skipReasons.length)
    return `skipped ${result.skipped - result.skipReasons.length} test(s) without a reason (use skipTest from test/support/skip.ts)`;
  return undefined;
}

const allFiles = findTestFiles(testRoot);
const requested = process.argv.slice(2);
const unmatched = requested.filter((argument) => filesFor(argument, allFiles).length === 0);
if (unmatched.length > 0) {
  console.error(`no test file matches ${unmatched.map((argument) => `'${argument}'`).join(', ')}; give a folder, a file or part of a path under test/`);
  process.exit(1);
}
const files = [...new Set(requested.length === 0 ? allFiles : requested.flatMap((argument) => filesFor(argument, allFiles)))].sort();
const queue = [...files];
const results: FileResult[] = [];
let failedFiles = 0;

async function worker(): Promise<void> {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const result = await runFile(file);
    results.push(result);
    const failure = failureOf(result);
    if (failure) failedFiles++;
    console.log(
      `${failure ? 'FAIL' : 'ok  '} ${result.file}  ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped  (${result.seconds.toFixed(1)} s)${failure ? `: ${failure}` : ''}`,
    );
    if (failure)
      console.log(
        result.output
          .split('\n')
          .map((line) => `  | ${line}`)
          .join('\n'),
      );
    else if (process.env.TEST_VERBOSE) console.log(result.output);
  }
}

await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
results.sort((a, b) => a.file.localeCompare(b.file));
const sum = (pick: (result: FileResult) => number) => results.reduce((total, result) => total + pick(result), 0);
const passed = sum((result) => result.passed);
// A file that fails without a failed test (it ran nothing, or crashed between tests) still counts once.
const failed = sum((result) => (failureOf(result) ? Math.max(result.failed, 1) : result.failed));
const skipped = sum((result) => result.skipped);
const skipLines = results.flatMap((result) => result.skipReasons.map((reason) => `  ${result.file}: ${reason}`));
console.log(`\n${files.length} test files`);
if (skipLines.length > 0) console.log(`skipped:\n${skipLines.join('\n')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedFiles > 0 || files.length === 0 ? 1 : 0);
