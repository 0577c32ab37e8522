// Harness failures name what failed and leave nothing running.
import { createServer, type Server } from 'node:net';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CONTROL_PLANE_BINARIES, resolveBinaries, type ControlPlaneBinaries } from '../../dev/sandbox/binaries.js';
import { startControlPlane } from '../../dev/sandbox/control-plane.js';
import { startKwok } from '../../dev/sandbox/kwok.js';
import { assertPortFree, freePort } from '../../dev/sandbox/ports.js';
import { HarnessError } from '../../dev/sandbox/supervisor.js';
import { liveChildren } from './processes.js';

const test = suite<{ binaries: ControlPlaneBinaries }>('harness failures');

test.before(async (ctx) => {
  ctx.binaries = await resolveBinaries(CONTROL_PLANE_BINARIES);
});

async function expectHarnessError(start: Promise<unknown>): Promise<HarnessError> {
  try {
    await start;
  } catch (err) {
    assert.instance(err, HarnessError);
    return err as HarnessError;
  }
  throw new assert.Assertion({ message: 'expected the start to fail', generated: false, operator: 'throws', expects: 'a HarnessError', actual: 'success' });
}

function assertNothingLeft(): void {
  // tsx's esbuild service is this test process's own helper, not something the harness started.
  const left = liveChildren().filter((p) => !/esbuild/.test(p.cmdline));
  assert.equal(left.map((p) => p.cmdline), [], 'no child process is left running');
}

test('a missing kube-apiserver binary is named, and the etcd already started is stopped', async ({ binaries }) => {
  const etcdPort = await freePort();
  const err = await expectHarnessError(
    startControlPlane({ binaries: { ...binaries, kubeApiserver: '/nonexistent/kube-apiserver' }, etcdPort }),
  );
  assert.is(err.component, 'kube-apiserver');
  assert.match(err.message, /\/nonexistent\/kube-apiserver is missing or not executable/);
  assertNothingLeft();
  await assertPortFree(etcdPort, 'etcd');
});

test('a missing etcd binary is named', async ({ binaries }) => {
  const err = await expectHarnessError(startControlPlane({ binaries: { ...binaries, etcd: '/nonexistent/etcd' } }));
  assert.is(err.component, 'etcd');
  assert.match(err.message, /missing or not executable/);
  assertNothingLeft();
});

test('a taken port is named with the component that wanted it', async ({ binaries }) => {
  const port = await freePort();
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
  try {
    const err = await expectHarnessError(startControlPlane({ binaries, apiServerPort: port }));
    assert.is(err.component, 'kube-apiserver');
    assert.match(err.message, new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use`));
    assertNothingLeft();
  } finally {
    blocker.close();
  }
});

test('a child that dies during start is named with its exit code and last output', async ({ binaries }) => {
  // A stand-in for a crashing etcd: the harness must report it, not wait for its timeout.
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-crash-'));
  const crashing = join(dir, 'etcd');
  await writeFile(crashing, '#!/bin/sh\necho "panic: simulated crash in etcd" >&2\nexit 3\n');
  await chmod(crashing, 0o755);
  const started = Date.now();
  const err = await expectHarnessError(startControlPlane({ binaries: { ...binaries, etcd: crashing } }));
  assert.is(err.component, 'etcd');
  assert.match(err.message, /exited unexpectedly \(exit code 3\)/);
  assert.match(err.message, /panic: simulated crash in etcd/);
  assert.ok(Date.now() - started < 60_000, 'the death is noticed, not waited out to the start timeout');
  assertNothingLeft();
});

/** An executable that prints `line` and exits 3, standing in for a binary that crashes at start. */
async function crashing(name: string, line: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'spot-guard-crash-')), name);
  await writeFile(path, `#!/bin/sh\necho "${line}" >&2\nexit 3\n`);
  await chmod(path, 0o755);
  return path;
}

test('a kube-controller-manager that dies during start is named with its last output, and everything else is stopped', async ({ binaries }) => {
  const { kubeScheduler } = await resolveBinaries(['kubeScheduler']);
  const kubeControllerManager = await crashing('kube-controller-manager', 'E0101 failed to start controllers: simulated');
  const err = await expectHarnessError(startControlPlane({ binaries: { ...binaries, kubeScheduler, kubeControllerManager }, controllers: true }));
  assert.is(err.component, 'kube-controller-manager');
  assert.match(err.message, /exited unexpectedly \(exit code 3\)/);
  assert.match(err.message, /failed to start controllers: simulated/);
  assertNothingLeft();
});

test('a kwok that dies during start is named with its last output', async ({ binaries }) => {
  const plane = await startControlPlane({ binaries });
  try {
    const err = await expectHarnessError(startKwok({ kubeconfigPath: plane.kubeconfigPath, binary: await crashing('kwok', 'Error: no stages found') }));
    assert.is(err.component, 'kwok');
    assert.match(err.message, /exited unexpectedly \(exit code 3\)/);
    assert.match(err.message, /no stages found/);
  } finally {
    await plane.stop();
  }
  assertNothingLeft();
});

test('a kube-apiserver killed after start is reported as dead with its name', async ({ binaries }) => {
  const plane = await startControlPlane({ binaries });
  try {
    plane.processes.apiServer.signal('SIGKILL');
    await plane.processes.apiServer.exited;
    const dead = plane.processes.apiServer.deathError();
    assert.ok(dead);
    assert.is(dead.component, 'kube-apiserver');
    assert.match(dead.message, /signal SIGKILL/);
  } finally {
    await plane.stop();
  }
  assertNothingLeft();
});

test.run();
