// The node adapter against a real API server: taints and cordons that keep what others wrote,
// drains through the Eviction API with the API server itself enforcing PodDisruptionBudgets
// (whose status the test writes, as there is no controller-manager), and all of it again
// under the shipped RBAC.
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, PolicyV1Api, setHeaderOptions, type V1OwnerReference, type V1Pod } from '@kubernetes/client-node';
import { CRD_PATH } from '../../crds/schema.js';
import { KubeError } from '../../runtime/kube/kube-errors.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { DrainError, OPT_OUT_ANNOTATION, REBALANCE_TAINT, SCALE_DOWN_TAINT } from '../../runtime/kube/nodes.port.js';
import { instanceIdOf } from '../../runtime/kube/provider-id.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { waitUntil } from '../../dev/sandbox/supervisor.js';
import { installCrd } from '../harness/crd.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const NS = 'default';

interface Ctx {
  plane: ControlPlane;
  core: CoreV1Api;
  policy: PolicyV1Api;
  nodes: KubeNodes;
  agent: KubeConfig;
}
const test = suite<Ctx>('node adapter (real API server)');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  const kc = ctx.plane.kubeConfig();
  ctx.core = kc.makeApiClient(CoreV1Api);
  ctx.policy = kc.makeApiClient(PolicyV1Api);
  ctx.nodes = new KubeNodes(kc, { retryIntervalMs: 200 });
  // The agent's own identity, bound by the shipped RBAC.
  await installCrd(ctx.plane);
  const applied = await ctx.plane.kubectl(['apply', '-f', CRD_PATH, '-f', MANIFESTS]);
  assert.is(applied.code, 0, applied.stderr);
  const token = (await ctx.core.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token;
  assert.ok(token);
  const path = `${ctx.plane.dir}/agent.kubeconfig`;
  await ctx.plane.writeKubeconfig(path, token, 'system:serviceaccount:kube-system:spot-guard');
  ctx.agent = new KubeConfig();
  ctx.agent.loadFromFile(path);
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

async function createNode(core: CoreV1Api, name: string, spec: { providerID?: string; taints?: { key: string; value?: string; effect: string }[] } = {}): Promise<void> {
  await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec } });
}

async function createPod(core: CoreV1Api, name: string, node: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: V1OwnerReference[]; grace?: number } = {}): Promise<void> {
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name, labels: extra.labels, annotations: extra.annotations, ownerReferences: extra.ownerReferences },
      spec: { nodeName: node, terminationGracePeriodSeconds: extra.grace, containers: [{ name: 'c', image: 'nginx' }] },
    },
  });
}

/** Plays the kubelet: the pod runs and is Ready (a Pending pod is evicted regardless of PDBs). */
async function setPodPhase(core: CoreV1Api, name: string, phase: 'Running' | 'Succeeded'): Promise<void> {
  const conditions = phase === 'Running' ? [{ type: 'Ready', status: 'True' }] : [];
  await core.patchNamespacedPodStatus({ name, namespace: NS, body: { status: { phase, conditions } } }, mergePatch);
}

/** Plays the disruption controller. observedGeneration must match, or every eviction is a 429. */
async function setPdbStatus(policy: PolicyV1Api, name: string, disruptionsAllowed: number): Promise<void> {
  const pdb = await policy.readNamespacedPodDisruptionBudget({ name, namespace: NS });
  const status = { observedGeneration: pdb.metadata?.generation ?? 1, disruptionsAllowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 };
  await policy.patchNamespacedPodDisruptionBudgetStatus({ name, namespace: NS, body: { status } }, mergePatch);
}

async function guardedPod(ctx: Ctx, node: string, pod: string): Promise<void> {
  await createNode(ctx.core, node);
  await createPod(ctx.core, pod, node, { labels: { app: pod } });
  await setPodPhase(ctx.core, pod, 'Running');
  await ctx.policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: pod }, spec: { minAvailable: 1, selector: { matchLabels: { app: pod } } } } });
  await setPdbStatus(ctx.policy, pod, 0);
}

async function readPod(core: CoreV1Api, name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ name, namespace: NS });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

const names = (pods: V1Pod[]): string[] => pods.map((p) => p.metadata?.name ?? '').sort();
// The TaintNodesByCondition admission plugin puts this on every new node; with no node
// lifecycle controller it stays, which makes it a taint someone else wrote that must survive.
const NOT_READY = 'node.kubernetes.io/not-ready';

test('instanceIdOf reads the instance ID from AWS providerIDs and nothing else', () => {
  const table: [string | undefined, string | undefined][] = [
    ['aws:///us-east-1a/i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['aws:///i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['aws:///eu-west-1b/i-12345678', 'i-12345678'],
    ['aws:///us-east-1a/i-0123456789abcdef01', undefined], // 18 hex digits
    ['aws:///us-east-1a/i-1234567', undefined], // 7 hex digits
    ['aws:///us-east-1a/i-0123456789ABCDEF0', undefined],
    ['aws:///us-east-1a/i-0123456789abcdef0/', undefined],
    ['aws:///us-east-1a/extra/i-0123456789abcdef0', undefined],
    ['aws://us-east-1a/i-0123456789abcdef0', undefined],
    ['gce://project/zone/i-0123456789abcdef0', undefined],
    ['i-0123456789abcdef0', undefined],
    ['aws:///us-east-1a/', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [input, expected] of table) assert.is(instanceIdOf(input), expected, String(input));
});

test('getNode maps the node; a missing node is undefined for getNode and NotFound for every change', async ({ core, nodes }) => {
  await createNode(core, 'ip-10-0-1-1', { providerID: 'aws:///us-east-1a/i-0123456789abcdef0' });
  await core.patchNodeStatus({ name: 'ip-10-0-1-1', body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } } }, mergePatch);
  await createNode(core, 'ip-10-0-1-2', { providerID: 'kind://docker/x/y' });
  const info = await nodes.getNode('ip-10-0-1-1');
  assert.equal(info, { name: 'ip-10-0-1-1', instanceId: 'i-0123456789abcdef0', ready: true, unschedulable: false, taints: [{ key: NOT_READY, effect: 'NoSchedule' }], labels: { 'kubernetes.io/hostname': 'ip-10-0-1-1' } });
  const other = await nodes.getNode('ip-10-0-1-2');
  assert.is(other?.ready, false);
  assert.is(other?.instanceId, undefined);
  const listed = await nodes.listNodes();
  assert.ok(['ip-10-0-1-1', 'ip-10-0-1-2'].every((n) => listed.some((i) => i.name === n)));

  assert.is(await nodes.getNode('no-such-node'), undefined);
  const changes: [string, () => Promise<unknown>][] = [
    ['taint', () => nodes.taint('no-such-node', SCALE_DOWN_TAINT)],
    ['untaint', () => nodes.untaint('no-such-node', SCALE_DOWN_TAINT)],
    ['cordon', () => nodes.cordon('no-such-node')],
    ['drain', () => nodes.drain('no-such-node', { timeoutMs: 1000 })],
    ['remainingPods', () => nodes.remainingPods('no-such-node')],
  ];
  for (const [what, call] of changes) {
    try {
      await call();
      assert.unreachable(`${what} must throw`);
    } catch (err) {
      assert.instance(err, KubeError, what);
      assert.is((err as KubeError).code, 'NotFound', what);
    }
  }
});

test('taint is idempotent by key+effect and keeps every other taint', async ({ core, nodes }) => {
  const others = [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'spot-guard.aws.amazon.com/scale-down', value: 'true', effect: 'NoExecute' },
  ];
  await createNode(core, 'taint-1', { taints: others });
  assert.is(await nodes.taint('taint-1', SCALE_DOWN_TAINT), true);
  assert.is(await nodes.taint('taint-1', SCALE_DOWN_TAINT), false);
  assert.is(await nodes.taint('taint-1', { ...SCALE_DOWN_TAINT, value: 'other' }), false, 'same key and effect counts as present');
  const taints = (await core.readNode({ name: 'taint-1' })).spec?.taints ?? [];
  assert.equal(taints.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).sort(), ['dedicated=gpu:NoSchedule', `${NOT_READY}=:NoSchedule`, 'spot-guard.aws.amazon.com/scale-down=true:NoExecute', 'spot-guard.aws.amazon.com/scale-down=true:NoSchedule']);
});

test('concurrent taints by several writers all land (a stale write is a 409, re-read and redone)', async ({ core, plane }) => {
  await createNode(core, 'taint-race');
  const writers = [0, 1, 2, 3].map(() => new KubeNodes(plane.kubeConfig(), { maxConflictRetries: 10 }));
  const keys = writers.map((_, i) => `example.com/writer-${i}`);
  for (const effect of ['NoSchedule', 'NoExecute', 'PreferNoSchedule']) {
    const changed = await Promise.all(writers.map((w, i) => w.taint('taint-race', { key: keys[i] ?? '', value: 'true', effect })));
    assert.equal(changed, [true, true, true, true]);
  }
  const taints = (await core.readNode({ name: 'taint-race' })).spec?.taints ?? [];
  assert.is(taints.length, 13, JSON.stringify(taints));
  assert.ok(taints.some((t) => t.key === NOT_READY));
});

test('untaint removes only that key+effect and is idempotent', async ({ core, nodes }) => {
  await createNode(core, 'taint-2', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  assert.is(await nodes.taint('taint-2', REBALANCE_TAINT), true);
  assert.is(await nodes.untaint('taint-2', { ...REBALANCE_TAINT, effect: 'NoExecute' }), false);
  assert.is(await nodes.untaint('taint-2', REBALANCE_TAINT), true);
  assert.is(await nodes.untaint('taint-2', REBALANCE_TAINT), false);
  const taints = (await core.readNode({ name: 'taint-2' })).spec?.taints ?? [];
  assert.equal(taints.map((t) => t.key).sort(), ['dedicated', NOT_READY]);
});

test('cordon sets unschedulable once and leaves the taints alone', async ({ core, nodes }) => {
  await createNode(core, 'cordon-1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  assert.is(await nodes.cordon('cordon-1'), true);
  assert.is(await nodes.cordon('cordon-1'), false);
  const info = await nodes.getNode('cordon-1');
  assert.is(info?.unschedulable, true);
  assert.equal(info?.taints.map((t) => t.key).sort(), ['dedicated', NOT_READY]);
});

test('drain evicts plain pods with their own grace period and skips DaemonSet, mirror, finished and Terminating pods', async ({ core, nodes }) => {
  await createNode(core, 'drain-1');
  await createNode(core, 'drain-1-neighbour');
  await createPod(core, 'web', 'drain-1', { grace: 120 });
  await createPod(core, 'ds-agent', 'drain-1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: '7c1f4f2e-0000-4000-8000-000000000001', controller: true }] });
  await createPod(core, 'static-web', 'drain-1', { annotations: { 'kubernetes.io/config.mirror': 'abc123' } });
  await createPod(core, 'job-done', 'drain-1');
  await setPodPhase(core, 'job-done', 'Succeeded');
  await createPod(core, 'leaving', 'drain-1');
  await core.deleteNamespacedPod({ name: 'leaving', namespace: NS });
  const leavingBefore = await readPod(core, 'leaving');
  assert.ok(leavingBefore?.metadata?.deletionTimestamp, 'a bound pod stays Terminating');
  await createPod(core, 'neighbour', 'drain-1-neighbour');

  const result = await nodes.drain('drain-1', { timeoutMs: 10_000 });
  assert.equal(result.evicted, ['default/web']);
  assert.equal(
    result.skipped.map((s) => `${s.pod} ${s.reason}`).sort(),
    ['default/ds-agent DaemonSet', 'default/job-done Finished', 'default/static-web Mirror'],
  );
  const web = await readPod(core, 'web');
  assert.ok(web?.metadata?.deletionTimestamp, 'web is Terminating');
  assert.is(web?.metadata?.deletionGracePeriodSeconds, 120, 'the pod keeps its own grace period');
  for (const untouched of ['ds-agent', 'static-web', 'job-done', 'neighbour']) {
    assert.not.ok((await readPod(core, untouched))?.metadata?.deletionTimestamp, untouched);
  }
  const leaving = await readPod(core, 'leaving');
  assert.equal(leaving?.metadata?.deletionTimestamp, leavingBefore?.metadata?.deletionTimestamp, 'not evicted again');

  // Terminating pods still count as remaining until the "kubelet" finishes them.
  assert.equal(names(await nodes.remainingPods('drain-1')), ['leaving', 'web']);
  await core.deleteNamespacedPod({ name: 'web', namespace: NS, gracePeriodSeconds: 0 });
  assert.equal(names(await nodes.remainingPods('drain-1')), ['leaving']);
  await core.deleteNamespacedPod({ name: 'leaving', namespace: NS, gracePeriodSeconds: 0 });
  await waitUntil(async () => (await nodes.remainingPods('drain-1')).length === 0, { what: 'drain-1 to be empty', timeoutMs: 30_000 });
  // A second drain of an empty node has nothing to do.
  assert.equal((await nodes.drain('drain-1', { timeoutMs: 1000 })).evicted, []);
});

test('a pod annotated do-not-evict=true refuses the drain up front and nothing is evicted', async ({ core, nodes }) => {
  await createNode(core, 'drain-2');
  await createPod(core, 'plain', 'drain-2');
  await createPod(core, 'precious', 'drain-2', { annotations: { [OPT_OUT_ANNOTATION]: 'true' } });
  try {
    await nodes.drain('drain-2', { timeoutMs: 10_000 });
    assert.unreachable('drain must be refused');
  } catch (err) {
    assert.instance(err, DrainError);
    assert.is((err as DrainError).code, 'OptedOut');
    assert.equal((err as DrainError).pods, ['default/precious']);
    assert.match((err as DrainError).message, /default\/precious/);
  }
  assert.not.ok((await readPod(core, 'plain'))?.metadata?.deletionTimestamp, 'plain not evicted');
  assert.not.ok((await readPod(core, 'precious'))?.metadata?.deletionTimestamp, 'precious not evicted');
  // Only "true" opts out.
  await core.patchNamespacedPod({ name: 'precious', namespace: NS, body: { metadata: { annotations: { [OPT_OUT_ANNOTATION]: 'false' } } } }, mergePatch);
  const result = await nodes.drain('drain-2', { timeoutMs: 10_000 });
  assert.equal(result.evicted.sort(), ['default/plain', 'default/precious']);
});

test('the API server refuses an eviction with 429 while the PDB allows no disruption', async ({ core, policy, ...ctx }) => {
  await guardedPod({ core, policy, ...ctx }, 'drain-3', 'guarded-3');
  try {
    await core.createNamespacedPodEviction({ name: 'guarded-3', namespace: NS, body: { metadata: { name: 'guarded-3', namespace: NS } } });
    assert.unreachable('eviction must be refused');
  } catch (err) {
    assert.instance(err, ApiException);
    assert.is((err as ApiException<unknown>).code, 429);
  }
});

test('drain retries 429s until the PDB allows a disruption, then evicts', async (ctx) => {
  const { core, policy, plane } = ctx;
  await guardedPod(ctx, 'drain-4', 'guarded-4');
  // `now` is read once at the start and once after each refused round.
  let clockReads = 0;
  const nodes = new KubeNodes(plane.kubeConfig(), { now: () => (clockReads++, Date.now()) });
  const draining = nodes.drain('drain-4', { timeoutMs: 120_000, retryIntervalMs: 200 });
  // Settling early (it must not) ends the wait so the assertions below report it.
  let settled = false;
  draining.then(() => (settled = true), () => (settled = true));
  await waitUntil(() => Promise.resolve(settled || clockReads >= 3), { what: 'two refused rounds', timeoutMs: 60_000, intervalMs: 50 });
  assert.not.ok(settled, 'drain still retrying');
  assert.not.ok((await readPod(core, 'guarded-4'))?.metadata?.deletionTimestamp, 'still running while the PDB blocks');
  await setPdbStatus(policy, 'guarded-4', 1);
  const result = await draining;
  assert.equal(result.evicted, ['default/guarded-4']);
  assert.ok((await readPod(core, 'guarded-4'))?.metadata?.deletionTimestamp, 'evicted once allowed');
  const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'guarded-4', namespace: NS });
  assert.is(pdb.status?.disruptionsAllowed, 0, 'the API server spent the disruption');
});

test('drain fails with DrainError Timeout when the PDB never allows a disruption, and the pod stays', async (ctx) => {
  const { core, nodes } = ctx;
  await guardedPod(ctx, 'drain-5', 'guarded-5');
  await createPod(core, 'free-5', 'drain-5');
  const started = Date.now();
  try {
    await nodes.drain('drain-5', { timeoutMs: 3000, retryIntervalMs: 500 });
    assert.unreachable('drain must time out');
  } catch (err) {
    assert.instance(err, DrainError);
    assert.is((err as DrainError).code, 'Timeout');
    assert.equal((err as DrainError).pods, ['default/guarded-5']);
    assert.match((err as DrainError).message, /default\/guarded-5/);
  }
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 3000 && elapsed < 30_000, `took ${elapsed} ms`);
  assert.not.ok((await readPod(core, 'guarded-5'))?.metadata?.deletionTimestamp, 'the guarded pod is still there');
  assert.ok((await readPod(core, 'free-5'))?.metadata?.deletionTimestamp, 'the unguarded pod was evicted');
});

test('an aborted drain stops waiting at once with the abort reason', async (ctx) => {
  await guardedPod(ctx, 'drain-6', 'guarded-6');
  const controller = new AbortController();
  let clockReads = 0;
  const nodes = new KubeNodes(ctx.plane.kubeConfig(), { now: () => (clockReads++, Date.now()) });
  const draining = nodes.drain('drain-6', { timeoutMs: 120_000, retryIntervalMs: 60_000, signal: controller.signal });
  // Settling early (it must not) ends the wait so the assertions below report it.
  let settled = false;
  draining.then(() => (settled = true), () => (settled = true));
  await waitUntil(() => Promise.resolve(settled || clockReads >= 2), { what: 'a refused round', timeoutMs: 60_000, intervalMs: 50 });
  assert.not.ok(settled, 'drain still retrying');
  const reason = new Error('agent shutting down');
  const aborted = Date.now();
  controller.abort(reason);
  try {
    await draining;
    assert.unreachable('drain must reject');
  } catch (err) {
    assert.is(err, reason);
  }
  assert.ok(Date.now() - aborted < 5000, 'well before the 60 s retry interval');
});

test('under the shipped RBAC the agent can read, taint, untaint, cordon, drain and watch a node empty', async ({ core, agent }) => {
  const nodes = new KubeNodes(agent, { retryIntervalMs: 200 });
  // The authorizer sees new bindings within moments; wait for the first allowed call.
  await waitUntil(async () => (await nodes.listNodes()).length > 0, { what: 'the agent to be authorized', timeoutMs: 30_000, intervalMs: 200 });
  await createNode(core, 'rbac-1', { providerID: 'aws:///us-east-1a/i-0987654321fedcba0' });
  await createPod(core, 'rbac-web', 'rbac-1');
  assert.is((await nodes.getNode('rbac-1'))?.instanceId, 'i-0987654321fedcba0');
  assert.is(await nodes.taint('rbac-1', REBALANCE_TAINT), true);
  assert.is(await nodes.untaint('rbac-1', REBALANCE_TAINT), true);
  assert.is(await nodes.taint('rbac-1', SCALE_DOWN_TAINT), true);
  assert.is(await nodes.cordon('rbac-1'), true);
  assert.equal((await nodes.drain('rbac-1', { timeoutMs: 10_000 })).evicted, ['default/rbac-web']);
  assert.equal(names(await nodes.remainingPods('rbac-1')), ['rbac-web']);
  const info = await nodes.getNode('rbac-1');
  assert.equal(info?.taints.map((t) => t.key).sort(), [NOT_READY, SCALE_DOWN_TAINT.key]);
  assert.is(info?.unschedulable, true);
});

test.run();
