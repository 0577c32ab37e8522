#!/usr/bin/env node
// `npm test`: the static checks (typecheck, lint, layer boundaries), then every uvu suite,
// each test file in its own process so that one file's crash or leftover server cannot
// touch the next. The last line is "N passed, N failed".
//
//   npm test                 everything
//   npm test -- crd store    only the test files whose path contains "crd" or "store"
//                            (static checks are skipped when a filter is given)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.SPOT_GUARD_TEST_FILE_TIMEOUT_MS ?? 20 * 60 * 1000);
const bin = (name) => join(root, 'node_modules', '.bin', name);

const staticChecks = [
  ['typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
  ['lint', bin('eslint'), ['.']],
  ['boundaries', bin('depcruise'), ['--config', '.dependency-cruiser.cjs', 'machines', 'streams', 'runtime', 'crds', 'visualizations', 'dev', 'test', 'bin']],
];

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

function run(command, args, timeoutMs) {
  return new Promise((resolvePromise) => {
    let output = '';
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    const onData = (chunk) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)\n`;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, output });
    });
  });
}

const results = [];
const started = Date.now();
if (filters.length === 0) {
  for (const [name, command, args] of staticChecks) {
    process.stdout.write(`\n# ${name}\n`);
    const { code } = await run(command, args, 10 * 60 * 1000);
    results.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
  }
}

const files = testFiles(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
for (const file of files) {
  process.stdout.write(`\n# ${file}\n`);
  const fileStart = Date.now();
  const { code, output } = await run(process.execPath, ['--import', 'tsx', file], FILE_TIMEOUT_MS);
  const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    // The file died before uvu could report: count it as one failure.
    results.push({ name: file, passed: 0, failed: 1 });
  } else {
    const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
    results.push({ name: file, passed, failed, skipped });
  }
  process.stdout.write(`# ${file}: ${((Date.now() - fileStart) / 1000).toFixed(1)} s\n`);
}

const sum = (key) => results.reduce((n, r) => n + (r[key] ?? 0), 0);
process.stdout.write('\n');
for (const r of results.filter((r) => r.failed > 0)) process.stdout.write(`FAILED: ${r.name}\n`);
process.stdout.write(`total time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
if (files.length === 0 && filters.length > 0) process.stdout.write(`no test file matches ${filters.join(' ')}\n`);
const skipped = sum('skipped');
process.stdout.write(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = sum('failed') > 0 || (files.length === 0 && filters.length > 0) ? 1 : 0;
