// The sandbox really applies each agent's memory limit: an agent given far less than it needs
// is OOM-killed by the kernel, as the kubelet's cgroup would kill it, and the sandbox says so.
// (The other e2e files run every agent under the shipped limit; story.test.ts checks that none
// of them outgrew it.)
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openMemoryCgroups } from '../../dev/sandbox/memory-cgroup.js';
import { startSandbox } from '../../dev/sandbox/sandbox.js';

const test = suite('agent memory limit');

test('an agent limited to 40 MiB is OOM-killed at start, and the sandbox reports it as such', async () => {
  const started = startSandbox({ spotNodes: 1, agentMemoryLimit: 40 * 2 ** 20, readyTimeoutMs: 120_000 });
  const err = await started.then(
    async (sandbox) => {
      await sandbox.stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.instance(err, Error, 'the sandbox came up with an agent that cannot fit in 40 MiB');
  assert.match((err as Error).message, /OOMKilled: outgrew its memory limit of 40 MiB/);
});

test('a cgroup made for a process holds the limit and counts what it used', async () => {
  const cgroups = await openMemoryCgroups(`spot-guard-test-${process.pid}`);
  assert.ok(cgroups.ok, cgroups.ok ? '' : cgroups.reason);
  if (!cgroups.ok) return;
  const group = await cgroups.create('probe', 64 * 2 ** 20);
  try {
    const limitFile = (await readFile(join(group.path, 'memory.limit_in_bytes'), 'utf8').catch(() => undefined)) ?? (await readFile(join(group.path, 'memory.max'), 'utf8'));
    assert.is(Number(limitFile.trim()), 64 * 2 ** 20);
    const { command, args } = group.wrap('/bin/sh', ['-c', 'cat /proc/self/cgroup']);
    const { stdout: out } = await promisify(execFile)(command, args);
    assert.match(out, new RegExp(`spot-guard-test-${process.pid}/probe`), 'the wrapped process ran inside the group');
    assert.is(await group.oomKills(), 0);
  } finally {
    await cgroups.removeAll();
  }
});

test('where no cgroup can be made, the reason names the controller and the error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-cgroup-'));
  await writeFile(join(dir, 'file'), '');
  // A cgroup path under a regular file: mkdir fails there as on a read-only mount.
  const refused = await openMemoryCgroups('x', `4:memory:/../../../../..${dir}/file\n0::/../../../..${dir}/file\n`);
  assert.not.ok(refused.ok);
  if (!refused.ok) assert.match(refused.reason, /cgroup v1 memory controller at .* is not writable \(ENOTDIR\)/);
});

test.run();
