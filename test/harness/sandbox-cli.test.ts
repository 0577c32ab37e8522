// `spot-guard sandbox --kubeconfig FILE`: prints "ready" with a node, an AEMM and an agent per
// simulated node, serves kubectl, and stops everything on a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { resolveBinaries } from '../../dev/sandbox/binaries.js';
import { liveChildren, liveProcessesMatching } from './processes.js';

const test = suite('spot-guard sandbox');

function startSandbox(kubeconfig: string): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, ['bin/spot-guard.js', 'sandbox', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.split('\n').includes('ready')) resolve();
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before ready:\n${out}`)));
    setTimeout(() => reject(new Error(`no ready line after 120 s:\n${out}`)), 120_000).unref();
  });
  return { child, ready, output: () => out };
}

function kubectl(binary: string, kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(binary, [`--kubeconfig=${kubeconfig}`, ...args]);
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`writes the kubeconfig, prints ready, works with kubectl, and stops everything on ${signal}`, async () => {
    const { kubectl: kubectlBinary } = await resolveBinaries(['kubectl']);
    const kubeconfig = join(await mkdtemp(join(tmpdir(), 'spot-guard-sandbox-')), 'kubeconfig');
    const sandbox = startSandbox(kubeconfig);
    try {
      await sandbox.ready;
      const config = parse(await readFile(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
      const server = config.clusters[0]?.cluster.server ?? '';
      assert.match(server, /^https:\/\/127\.0\.0\.1:\d+$/);

      const res = await kubectl(kubectlBinary, kubeconfig, ['get', 'namespace', 'kube-system', '-o', 'name']);
      assert.is(res.code, 0);
      assert.is(res.stdout.trim(), 'namespace/kube-system');

      const port = new URL(server).port;
      assert.is(liveProcessesMatching(`--secure-port=${port}`).length, 1, 'kube-apiserver runs while the sandbox does');
      // The simulator registered three spot nodes, and each got its IMDS and its agent.
      const nodes = await kubectl(kubectlBinary, kubeconfig, ['get', 'nodes', '-l', 'eks.amazonaws.com/capacityType=SPOT', '-o', 'name']);
      assert.is(nodes.stdout.trim().split('\n').length, 3, nodes.stdout);
      const children = () => liveChildren(sandbox.child.pid);
      assert.is(children().filter((p) => p.cmdline.includes('spot-guard-agent.mjs agent')).length, 3, 'one agent process per node');
      assert.is(children().filter((p) => p.cmdline.includes('ec2-metadata-mock')).length, 3, 'one AEMM per node');
      // The DaemonSet controller made a pod per node, KWOK runs it, and the node's agent is that pod.
      const pods = await kubectl(kubectlBinary, kubeconfig, ['get', 'pods', '-n', 'kube-system', '-l', 'app.kubernetes.io/name=spot-guard', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}: {.metadata.name} {.status.phase}{"\\n"}{end}']);
      const running = pods.stdout.trim().split('\n').filter((l) => l.endsWith(' Running'));
      assert.is(running.length, 3, pods.stdout);
      for (const line of running) assert.ok(sandbox.output().includes(`  ${line.replace(/ Running$/, ',')}`), `the agent on ${line} runs as its DaemonSet pod:\n${sandbox.output()}`);
      const sgfe = await kubectl(kubectlBinary, kubeconfig, ['get', 'sgfe', '-n', 'kube-system']);
      assert.is(sgfe.code, 0, 'the CRD is installed');
      const started = new Set(children().map((p) => p.pid));
      const exited = new Promise<number | null>((r) => sandbox.child.once('exit', r));
      sandbox.child.kill(signal);
      assert.is(await exited, 0, sandbox.output());
      assert.equal(liveProcessesMatching(`--secure-port=${port}`), [], 'kube-apiserver is gone');
      assert.equal(liveProcessesMatching('').filter((p) => started.has(p.pid)), [], 'no agent, AEMM or simulator child outlives the sandbox');
      assert.equal(liveProcessesMatching(`--listen-client-urls=http://127.0.0.1`).filter((p) => p.ppid === sandbox.child.pid), []);
    } finally {
      sandbox.child.kill('SIGKILL');
    }
  });
}

test('an unknown flag exits non-zero with a message and starts nothing', async () => {
  const child = spawn(process.execPath, ['bin/spot-guard.js', 'sandbox', '--kubeconfg', '/tmp/x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.is.not(code, 0);
  assert.match(err, /kubeconfg/);
});

test.run();
