#!/usr/bin/env node
// `npm test`: the static checks (typecheck, lint, layer boundaries), then every uvu suite,
// each test file in its own process so that one file's crash or leftover server cannot
// touch the next. The last line is "N passed, N failed".
//
//   npm test                 everything on the default Kubernetes version and, in a second
//                            lane beside it, the version-sensitive files on every other version
//                            of dev/sandbox/kubernetes-versions.txt (the oldest and the newest)
//   npm test -- crd store    only the test files whose path contains "crd" or "store", on the
//                            default version (static checks are skipped when a filter is given);
//                            K8S_VERSION=v1.33.13 npm test -- crd runs them on another version
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.SPOT_GUARD_TEST_FILE_TIMEOUT_MS ?? 20 * 60 * 1000);
const bin = (name) => join(root, 'node_modules', '.bin', name);

// The files whose outcome rests on the API server's own behaviour, run on every supported
// version: the CRD's schema, CEL rules and printer columns (kubectl), the store's optimistic
// concurrency and the race, the RBAC the chart grants, and the agents' coordination (claims
// and their Leases, a SIGTERM's release, the exactly-one scale-down with its eviction, trust of
// forged events, request counts from kube-apiserver's metrics). The rest (simulator, machines,
// takeovers, e2e stories with KWOK and the controllers) runs on the default version only, which
// keeps a cold CI run under an hour.
const VERSION_SENSITIVE = [
  'test/crd/kubectl.test.ts',
  'test/crd/race.test.ts',
  'test/crd/store.test.ts',
  'test/deploy/rbac.test.ts',
  'test/runtime/agent.command.test.ts',
  'test/runtime/agent.event-writes.test.ts',
  'test/runtime/agent.herd.test.ts',
  'test/runtime/agent.scale-down.test.ts',
  'test/runtime/agent.trust.test.ts',
];
/** "v1.33.13" and its role ("oldest", "default", "newest"), from the file build-binaries.sh reads too. */
const kubernetesVersions = readFileSync(join(root, 'dev', 'sandbox', 'kubernetes-versions.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() && !line.startsWith('#'))
  .map((line) => {
    const [version, , role] = line.trim().split(/\s+/);
    return { version, role };
  });

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

/**
 * Runs a command; its output goes to stdout as it comes, or, with `buffered`, all at once when
 * it ends (a lane running beside another must not interleave its lines with the other's).
 */
function run(command, args, timeoutMs, { env = {}, buffered = false, nice = false } = {}) {
  return new Promise((resolvePromise) => {
    let output = '';
    const [cmd, argv] = nice ? ['nice', ['-n', '19', command, ...args]] : [command, args];
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env } });
    const onData = (chunk) => {
      if (!buffered) process.stdout.write(chunk);
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

/** One test file in its own process: its uvu counts, or one failure if it died before reporting. */
async function runFile(file, version, buffered) {
  const name = version ? `${file} (Kubernetes ${version})` : file;
  const header = `\n# ${name}\n`;
  if (!buffered) process.stdout.write(header);
  const fileStart = Date.now();
  const { code, output } = await run(process.execPath, ['--import', 'tsx', file], FILE_TIMEOUT_MS, { env: version ? { K8S_VERSION: version } : {}, buffered });
  const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    results.push({ name, passed: 0, failed: 1 });
  } else {
    const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
    results.push({ name, passed, failed, skipped });
  }
  process.stdout.write(`${buffered ? header + output : ''}# ${name}: ${((Date.now() - fileStart) / 1000).toFixed(1)} s\n`);
}

/** The default version's lane: the static checks, then every file. Its output streams. */
async function defaultLane(files) {
  if (filters.length === 0) {
    for (const [name, command, args] of staticChecks) {
      process.stdout.write(`\n# ${name}\n`);
      const { code } = await run(command, args, 10 * 60 * 1000);
      results.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
    }
  }
  for (const file of files) await runFile(file, undefined, false);
}

/**
 * The other versions' lane, beside the default one (the suites mostly wait on servers: two at
 * a time fit two cores). Each version is built first, at the lowest CPU priority so the tests
 * beside it keep theirs; the whole kubernetes component, since the scale-down and trust suites
 * run the scheduler and the controller-manager with KWOK so that evicted pods really go.
 * Its output is printed a file at a time.
 */
async function versionsLane() {
  const script = join(root, 'dev', 'sandbox', 'build-binaries.sh');
  for (const { version } of kubernetesVersions.filter((v) => v.role !== 'default')) {
    const build = await run('bash', [script, 'kubernetes'], 45 * 60 * 1000, { env: { K8S_VERSION: version }, buffered: true, nice: true });
    process.stdout.write(`\n# Kubernetes ${version}: binaries ${build.code === 0 ? 'ready' : 'failed to build'}\n${build.code === 0 ? '' : build.output}`);
    if (build.code !== 0) {
      results.push({ name: `build of Kubernetes ${version}`, passed: 0, failed: 1 });
      continue;
    }
    for (const file of VERSION_SENSITIVE) await runFile(file, version, true);
  }
}

const files = testFiles(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const lanes = [defaultLane(files)];
if (filters.length === 0) {
  const missing = VERSION_SENSITIVE.filter((file) => !files.includes(file));
  if (missing.length > 0) throw new Error(`test/run.js: VERSION_SENSITIVE names files that do not exist: ${missing.join(', ')}`);
  // SPOT_GUARD_TEST_LANES=1 runs the other versions after the default instead of beside it.
  if (process.env.SPOT_GUARD_TEST_LANES === '1') await lanes[0];
  lanes.push(versionsLane());
}
await Promise.all(lanes);

const sum = (key) => results.reduce((n, r) => n + (r[key] ?? 0), 0);
process.stdout.write('\n');
for (const r of results.filter((r) => r.failed > 0)) process.stdout.write(`FAILED: ${r.name}\n`);
process.stdout.write(`total time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
if (files.length === 0 && filters.length > 0) process.stdout.write(`no test file matches ${filters.join(' ')}\n`);
const skipped = sum('skipped');
process.stdout.write(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = sum('failed') > 0 || (files.length === 0 && filters.length > 0) ? 1 : 0;
