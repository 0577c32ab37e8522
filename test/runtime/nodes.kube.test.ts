// The node adapter against a real API server: taints and cordons that keep what others wrote,
// drains through the Eviction API with the API server itself enforcing PodDisruptionBudgets
// (whose status the real disruption controller computes, in a second control plane with the
// controller-manager and KWOK running the pods), the drain rules as a table
// with the kubectl-named settings off and on (and the safety checks agreeing with each refusal),
// and all of it again under the shipped RBAC.
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, PolicyV1Api, setHeaderOptions, type V1OwnerReference, type V1Pod } from '@kubernetes/client-node';
import { CRD_PATH } from '../../crds/schema.js';
import { OPT_OUT_ANNOTATION, scaleDownRules, type DrainRules } from '../../runtime/kube/drain-policy.js';
import { KubeError } from '../../runtime/kube/kube-errors.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { DrainError, REBALANCE_TAINT, SCALE_DOWN_TAINT } from '../../runtime/kube/nodes.port.js';
import { instanceIdOf } from '../../runtime/kube/provider-id.js';
import { rescheduleProgress } from '../../runtime/kube/reschedule.js';
import { loadSnapshot } from '../../runtime/safety/cluster-snapshot.kube.js';
import { checkSafety } from '../../runtime/safety/safety-checks.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import type { Kwok } from '../../dev/sandbox/kwok.js';
import { waitUntil } from '../../dev/sandbox/supervisor.js';
import { loud, placePod, registerNode, startLiveControlPlane } from '../harness/agent-world.js';
import { installCrd } from '../harness/crd.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const NS = 'default';
/** A scale-down's drain with kubectl drain's defaults, and with both kubectl-named settings on. */
const DEFAULTS = scaleDownRules({ deleteEmptyDirData: false, force: false });
const ALLOWED = scaleDownRules({ deleteEmptyDirData: true, force: true });
/** The owner every test pod has unless it is bare: no controller-manager runs here to object. */
const REPLICA_SET: V1OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d4f8', uid: '7c1f4f2e-0000-4000-8000-0000000000a1', controller: true };

interface Ctx {
  plane: ControlPlane;
  core: CoreV1Api;
  policy: PolicyV1Api;
  nodes: KubeNodes;
  agent: KubeConfig;
  live: Live;
}
const test = suite<Ctx>('node adapter (real API server)');

// loud: uvu reports nothing when a hook throws, and every test then fails without a word why.
test.before(
  loud(async (ctx) => {
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
    ctx.live = await startLive();
  }),
);
test.after(async (ctx) => {
  await ctx.live?.kwok.stop();
  await ctx.live?.plane.stop();
  await ctx.plane?.stop();
});

async function createNode(core: CoreV1Api, name: string, spec: { providerID?: string; taints?: { key: string; value?: string; effect: string }[] } = {}): Promise<void> {
  await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec } });
}

interface PodExtra {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The pod's owners: REPLICA_SET unless given; [] for a bare pod. */
  ownerReferences?: V1OwnerReference[];
  grace?: number;
  emptyDir?: boolean;
}

async function createPod(core: CoreV1Api, name: string, node: string | undefined, extra: PodExtra = {}): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name, labels: extra.labels, annotations: extra.annotations, ownerReferences: extra.ownerReferences ?? [REPLICA_SET] },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: extra.grace,
        containers: [{ name: 'c', image: 'nginx' }],
        volumes: extra.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : undefined,
      },
    },
  });
}

/** Plays the kubelet: the pod runs and is Ready (a Pending pod is evicted regardless of PDBs). */
async function setPodPhase(core: CoreV1Api, name: string, phase: 'Running' | 'Succeeded'): Promise<void> {
  const conditions = phase === 'Running' ? [{ type: 'Ready', status: 'True' }] : [];
  await core.patchNamespacedPodStatus({ name, namespace: NS, body: { status: { phase, conditions } } }, mergePatch);
}

/**
 * The cluster of the PodDisruptionBudget tests: kube-controller-manager and KWOK run there, so
 * the disruption controller computes each budget's status from pods KWOK runs, as in a real
 * cluster. (The other tests keep the lean control plane, where the not-ready taint and
 * Terminating pods stay as written.)
 */
interface Live {
  plane: ControlPlane;
  kwok: Kwok;
  core: CoreV1Api;
  policy: PolicyV1Api;
  nodes: KubeNodes;
}
/** A node for the pods that add to a budget without being drained. */
const SPARE = 'spare';

async function startLive(): Promise<Live> {
  const { plane, kwok } = await startLiveControlPlane();
  const kc = plane.kubeConfig();
  await registerNode({ admin: kc, kwok }, SPARE, 'i-0000000000000000f');
  return { plane, kwok, core: kc.makeApiClient(CoreV1Api), policy: kc.makeApiClient(PolicyV1Api), nodes: new KubeNodes(kc, { retryIntervalMs: 200 }) };
}

/** A running pod on `node` owned by a real ReplicaSet whose replacements never run (pinned nowhere), so they never count as healthy. */
async function adoptedPod(live: Live, name: string, node: string): Promise<void> {
  await placePod({ admin: live.plane.kubeConfig(), kwok: live.kwok }, name, node, { labels: { app: name }, replacementsOn: { 'kubernetes.io/hostname': 'nowhere' } });
}

/** A KWOK node with one running pod under a budget of minAvailable 1, once the disruption controller allows nothing. */
async function guardedPod(live: Live, node: string, pod: string): Promise<void> {
  await registerNode({ admin: live.plane.kubeConfig(), kwok: live.kwok }, node, 'i-0000000000000000e');
  await adoptedPod(live, pod, node);
  await live.policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: pod }, spec: { minAvailable: 1, selector: { matchLabels: { app: pod } } } } });
  let status: unknown;
  await waitUntil(
    async () => {
      const pdb = await live.policy.readNamespacedPodDisruptionBudget({ name: pod, namespace: NS });
      status = pdb.status;
      return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === 1 && pdb.status.disruptionsAllowed === 0;
    },
    { what: `the status of PDB ${pod} computed (last ${JSON.stringify(status)})`, timeoutMs: 60_000 },
  );
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
  const { metadata } = await core.readNode({ name: 'ip-10-0-1-1' });
  assert.equal(info, { name: 'ip-10-0-1-1', uid: metadata?.uid ?? 'missing', instanceId: 'i-0123456789abcdef0', ready: true, unschedulable: false, taints: [{ key: NOT_READY, effect: 'NoSchedule' }], labels: { 'kubernetes.io/hostname': 'ip-10-0-1-1' } });
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
    ['drain', () => nodes.drain('no-such-node', { rules: DEFAULTS, timeoutMs: 1000 })],
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

test('drain evicts plain pods with their own grace period, removes finished ones, and skips DaemonSet, mirror and Terminating pods', async ({ core, nodes }) => {
  await createNode(core, 'drain-1');
  await createNode(core, 'drain-1-neighbour');
  await createPod(core, 'web', 'drain-1', { grace: 120 });
  await createPod(core, 'ds-agent', 'drain-1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: '7c1f4f2e-0000-4000-8000-000000000001', controller: true }] });
  await createPod(core, 'static-web', 'drain-1', { annotations: { 'kubernetes.io/config.mirror': 'abc123' } });
  // Finished and bare: kubectl drain removes it without --force, and so does this drain.
  await createPod(core, 'job-done', 'drain-1', { ownerReferences: [] });
  await setPodPhase(core, 'job-done', 'Succeeded');
  await createPod(core, 'leaving', 'drain-1');
  await core.deleteNamespacedPod({ name: 'leaving', namespace: NS });
  const leavingBefore = await readPod(core, 'leaving');
  assert.ok(leavingBefore?.metadata?.deletionTimestamp, 'a bound pod stays Terminating');
  await createPod(core, 'neighbour', 'drain-1-neighbour');

  const result = await nodes.drain('drain-1', { rules: DEFAULTS, timeoutMs: 10_000 });
  assert.equal(result.evicted.sort(), ['default/job-done', 'default/web']);
  assert.equal(result.skipped.map((s) => `${s.pod} ${s.reason}`).sort(), ['default/ds-agent DaemonSet', 'default/static-web Mirror']);
  // What the wait for the reschedule will wait for: web's replacement, not the finished job's.
  assert.equal(result.replaced.map(({ since: _since, ...r }) => r), [{ namespace: NS, kind: 'ReplicaSet', name: REPLICA_SET.name, uid: REPLICA_SET.uid, pods: 1 }]);
  const web = await readPod(core, 'web');
  assert.ok(web?.metadata?.deletionTimestamp, 'web is Terminating');
  assert.is(web?.metadata?.deletionGracePeriodSeconds, 120, 'the pod keeps its own grace period');
  for (const untouched of ['ds-agent', 'static-web', 'neighbour']) {
    assert.not.ok((await readPod(core, untouched))?.metadata?.deletionTimestamp, untouched);
  }
  const leaving = await readPod(core, 'leaving');
  assert.equal(leaving?.metadata?.deletionTimestamp, leavingBefore?.metadata?.deletionTimestamp, 'not evicted again');

  // A finished pod has no grace period to wait for: the API server removed it at once.
  assert.is(await readPod(core, 'job-done'), undefined, 'job-done gone');
  // Terminating pods still count as remaining until the "kubelet" finishes them.
  assert.equal(names(await nodes.remainingPods('drain-1')), ['leaving', 'web']);
  await core.deleteNamespacedPod({ name: 'web', namespace: NS, gracePeriodSeconds: 0 });
  assert.equal(names(await nodes.remainingPods('drain-1')), ['leaving']);
  await core.deleteNamespacedPod({ name: 'leaving', namespace: NS, gracePeriodSeconds: 0 });
  await waitUntil(async () => (await nodes.remainingPods('drain-1')).length === 0, { what: 'drain-1 to be empty', timeoutMs: 30_000 });
  // A second drain of an empty node has nothing to do.
  assert.equal((await nodes.drain('drain-1', { rules: DEFAULTS, timeoutMs: 1000 })).evicted, []);
});

test('a replacement is a pod of the same controller created after the drain began, by the API server\'s clock', async ({ core, nodes }) => {
  await createNode(core, 'drain-7');
  await createNode(core, 'drain-7-neighbour');
  const owner: V1OwnerReference = { ...REPLICA_SET, name: 'api-5c7d9', uid: '7c1f4f2e-0000-4000-8000-0000000000a7' };
  await createPod(core, 'api-1', 'drain-7', { ownerReferences: [owner] });
  await createPod(core, 'api-2', 'drain-7-neighbour', { ownerReferences: [owner] });
  await setPodPhase(core, 'api-2', 'Running');
  const { replaced } = await nodes.drain('drain-7', { rules: DEFAULTS, timeoutMs: 10_000 });
  assert.equal(replaced.map((r) => [r.name, r.pods]), [['api-5c7d9', 1]]);
  // api-2 ran before the drain: it is no replacement, however it runs.
  const before = rescheduleProgress(replaced, await nodes.controlledPods(replaced), 'drain-7');
  assert.equal([before.done, before.waiting], [false, ['ReplicaSet default/api-5c7d9: 0 of 1 replaced (1 not created yet)']]);
  // What the ReplicaSet controller and the scheduler would do: a new pod, bound elsewhere.
  await createPod(core, 'api-3', undefined, { ownerReferences: [owner] });
  const pending = rescheduleProgress(replaced, await nodes.controlledPods(replaced), 'drain-7');
  assert.equal(pending.waiting, ['ReplicaSet default/api-5c7d9: 0 of 1 replaced (default/api-3 Pending, not scheduled yet)']);
  await core.createNamespacedPodBinding({ name: 'api-3', namespace: NS, body: { metadata: { name: 'api-3' }, target: { kind: 'Node', name: 'drain-7-neighbour' } } });
  await setPodPhase(core, 'api-3', 'Running');
  const after = rescheduleProgress(replaced, await nodes.controlledPods(replaced), 'drain-7');
  assert.equal([after.done, after.replaced], [true, 1]);
});

interface DrainRow {
  name: string;
  /** The pod the row is about ("subject"), beside a plain ReplicaSet pod "web"; none for a node-only row. */
  pod?: PodExtra & { phase?: 'Succeeded' };
  nodeAnnotations?: Record<string, string>;
  /** With kubectl's defaults, and with both settings on: the pods evicted, or the refusal's words. */
  off: { evicted: string[] } | { refused: RegExp };
  on: { evicted: string[] } | { refused: RegExp };
}

const DS_OWNER: V1OwnerReference = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: '7c1f4f2e-0000-4000-8000-0000000000d1', controller: true };
const drainTable: DrainRow[] = [
  { name: 'a DaemonSet pod stays', pod: { ownerReferences: [DS_OWNER] }, off: { evicted: ['web'] }, on: { evicted: ['web'] } },
  { name: 'a mirror pod stays', pod: { ownerReferences: [], annotations: { 'kubernetes.io/config.mirror': 'abc' } }, off: { evicted: ['web'] }, on: { evicted: ['web'] } },
  { name: 'a finished pod goes, bare and with emptyDir data', pod: { ownerReferences: [], emptyDir: true, phase: 'Succeeded' }, off: { evicted: ['subject', 'web'] }, on: { evicted: ['subject', 'web'] } },
  {
    name: 'an emptyDir pod needs SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA',
    pod: { emptyDir: true },
    off: { refused: /refused: 1 pod with emptyDir data that eviction deletes \(SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA=true allows it\): default\/subject$/ },
    on: { evicted: ['subject', 'web'] },
  },
  {
    name: 'a pod without a controller needs SPOT_GUARD_DRAIN_FORCE',
    pod: { ownerReferences: [] },
    off: { refused: /refused: 1 pod without a controller to recreate it \(SPOT_GUARD_DRAIN_FORCE=true allows it\): default\/subject$/ },
    on: { evicted: ['subject', 'web'] },
  },
  {
    name: 'a karpenter.sh/do-not-disrupt pod refuses it whatever the settings',
    pod: { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
    off: { refused: /refused: 1 pod opted out with karpenter\.sh\/do-not-disrupt: "true": default\/subject$/ },
    on: { refused: /refused: 1 pod opted out with karpenter\.sh\/do-not-disrupt: "true": default\/subject$/ },
  },
  {
    name: 'a safe-to-evict "false" pod refuses it whatever the settings',
    pod: { annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } },
    off: { refused: /refused: 1 pod opted out with cluster-autoscaler\.kubernetes\.io\/safe-to-evict: "false": default\/subject$/ },
    on: { refused: /safe-to-evict: "false": default\/subject$/ },
  },
  {
    name: 'a do-not-evict "true" pod refuses it whatever the settings',
    pod: { annotations: { [OPT_OUT_ANNOTATION]: 'true' } },
    off: { refused: /refused: 1 pod opted out with spot-guard\.aws\.amazon\.com\/do-not-evict: "true": default\/subject$/ },
    on: { refused: /do-not-evict: "true": default\/subject$/ },
  },
  {
    name: 'a node with scale-down-disabled "true" refuses it whatever the settings',
    nodeAnnotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' },
    off: { refused: /refused: node table-8 opts out with cluster-autoscaler\.kubernetes\.io\/scale-down-disabled: "true"$/ },
    on: { refused: /refused: node table-8 opts out with cluster-autoscaler\.kubernetes\.io\/scale-down-disabled: "true"$/ },
  },
];

test('the drain table: what is evicted and what is refused, with the kubectl-named settings off and on; the safety checks agree', async ({ core, plane, nodes }) => {
  const kc = plane.kubeConfig();
  for (const [i, row] of drainTable.entries()) {
    for (const [setting, rules, expected] of [['off', DEFAULTS, row.off], ['on', ALLOWED, row.on]] as [string, DrainRules, DrainRow['off']][]) {
      const what = `${row.name} (settings ${setting})`;
      const node = `table-${i}-${setting}`;
      // Pod names carry the node's, so that every row's pods are its own; messages are read without it.
      const local = (text: string): string => text.replaceAll(`-${setting}`, '').replaceAll(`-table-${i}`, '');
      await core.createNode({ body: { metadata: { name: node, annotations: row.nodeAnnotations } } });
      await createPod(core, `web-${node}`, node);
      if (row.pod) {
        await createPod(core, `subject-${node}`, node, row.pod);
        if (row.pod.phase) await setPodPhase(core, `subject-${node}`, row.pod.phase);
      }
      const verdict = checkSafety(await loadSnapshot(kc), node, { maxUtilizationPercent: 75, leavingTaintKeys: [], drain: rules });
      let result: Awaited<ReturnType<KubeNodes['drain']>> | DrainError;
      try {
        result = await nodes.drain(node, { rules, timeoutMs: 10_000 });
      } catch (err) {
        if (!(err instanceof DrainError)) throw err;
        result = err;
      }
      if ('evicted' in expected) {
        assert.not.instance(result, DrainError, `${what}: ${result instanceof DrainError ? result.message : ''}`);
        if (result instanceof DrainError) continue;
        assert.equal(result.evicted.map((p) => local(p).replace('default/', '')).sort(), expected.evicted, what);
        // What the drain does not refuse, the safety checks do not either (they may still find no room).
        assert.ok(verdict.ok || (verdict.check !== 'drain' && verdict.check !== 'scaleDownDisabled'), `${what}: ${JSON.stringify(verdict)}`);
        continue;
      }
      assert.instance(result, DrainError, `${what}: the drain went ahead`);
      if (!(result instanceof DrainError)) continue;
      assert.is(result.code, 'Refused', what);
      assert.match(local(result.message), expected.refused, what);
      assert.equal(result.pods.map(local), row.pod ? ['default/subject'] : [], what);
      for (const pod of ['web', 'subject']) assert.not.ok((await readPod(core, `${pod}-${node}`))?.metadata?.deletionTimestamp, `${what}: ${pod} not evicted`);
      // The safety checks refused first, in the same words: they run before anything is touched.
      assert.is(verdict.ok, false, what);
      if (!verdict.ok) {
        assert.is(verdict.check, row.pod ? 'drain' : 'scaleDownDisabled', what);
        assert.ok(result.message.endsWith(verdict.reason.replace(/^the drain would be refused: /, '')), `${what}: ${verdict.reason} / ${result.message}`);
      }
    }
  }
});

test('a pod annotated do-not-evict=true refuses the drain up front and nothing is evicted; "false" opts nothing out', async ({ core, nodes }) => {
  await createNode(core, 'drain-2');
  await createPod(core, 'plain', 'drain-2');
  await createPod(core, 'precious', 'drain-2', { annotations: { [OPT_OUT_ANNOTATION]: 'true' } });
  try {
    await nodes.drain('drain-2', { rules: DEFAULTS, timeoutMs: 10_000 });
    assert.unreachable('drain must be refused');
  } catch (err) {
    assert.instance(err, DrainError);
    assert.is((err as DrainError).code, 'Refused');
    assert.equal((err as DrainError).pods, ['default/precious']);
    assert.is((err as DrainError).message, `drain of node drain-2 refused: 1 pod opted out with ${OPT_OUT_ANNOTATION}: "true": default/precious`);
  }
  assert.not.ok((await readPod(core, 'plain'))?.metadata?.deletionTimestamp, 'plain not evicted');
  assert.not.ok((await readPod(core, 'precious'))?.metadata?.deletionTimestamp, 'precious not evicted');
  await core.patchNamespacedPod({ name: 'precious', namespace: NS, body: { metadata: { annotations: { [OPT_OUT_ANNOTATION]: 'false' } } } }, mergePatch);
  const result = await nodes.drain('drain-2', { rules: DEFAULTS, timeoutMs: 10_000 });
  assert.equal(result.evicted.sort(), ['default/plain', 'default/precious']);
  assert.equal(result.replaced.map((r) => r.pods), [2], 'one record per controller, counting its pods');
});

test('the API server refuses an eviction with 429 while the PDB allows no disruption', async ({ live }) => {
  const { core } = live;
  await guardedPod(live, 'drain-3', 'guarded-3');
  try {
    await core.createNamespacedPodEviction({ name: 'guarded-3', namespace: NS, body: { metadata: { name: 'guarded-3', namespace: NS } } });
    assert.unreachable('eviction must be refused');
  } catch (err) {
    assert.instance(err, ApiException);
    assert.is((err as ApiException<unknown>).code, 429);
  }
});

test('drain retries 429s until the PDB allows a disruption, then evicts', async ({ live }) => {
  const { core, policy, plane } = live;
  await guardedPod(live, 'drain-4', 'guarded-4');
  // `now` is read once at the start, once before the first eviction and once after each refused round.
  let clockReads = 0;
  const nodes = new KubeNodes(plane.kubeConfig(), { now: () => (clockReads++, Date.now()) });
  const draining = nodes.drain('drain-4', { rules: DEFAULTS, timeoutMs: 120_000, retryIntervalMs: 200 });
  // Settling early (it must not) ends the wait so the assertions below report it.
  let settled = false;
  draining.then(() => (settled = true), () => (settled = true));
  await waitUntil(() => Promise.resolve(settled || clockReads >= 4), { what: 'two refused rounds', timeoutMs: 60_000, intervalMs: 50 });
  assert.not.ok(settled, 'drain still retrying');
  assert.not.ok((await readPod(core, 'guarded-4'))?.metadata?.deletionTimestamp, 'still running while the PDB blocks');
  // A second healthy pod under the budget, off the node: the disruption controller allows one.
  await createPod(core, 'guarded-4-spare', SPARE, { labels: { app: 'guarded-4' }, ownerReferences: [] });
  const result = await draining;
  assert.equal(result.evicted, ['default/guarded-4']);
  assert.ok((await readPod(core, 'guarded-4'))?.metadata?.deletionTimestamp, 'evicted once allowed');
  const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'guarded-4', namespace: NS });
  assert.is(pdb.status?.disruptionsAllowed, 0, 'the API server spent the disruption');
});

test('drain fails with DrainError Timeout when the PDB never allows a disruption, and the pod stays', async ({ live }) => {
  const { core, nodes } = live;
  await guardedPod(live, 'drain-5', 'guarded-5');
  await adoptedPod(live, 'free-5', 'drain-5');
  const started = Date.now();
  try {
    await nodes.drain('drain-5', { rules: DEFAULTS, timeoutMs: 3000, retryIntervalMs: 500 });
    assert.unreachable('drain must time out');
  } catch (err) {
    assert.instance(err, DrainError);
    assert.is((err as DrainError).code, 'Timeout');
    assert.equal((err as DrainError).pods, ['default/guarded-5']);
    // The refused pod, in the PodDisruptionBudget's own words, and what did go.
    assert.is((err as DrainError).message, 'drain of node drain-5 timed out after 3s, evictions still refused for default/guarded-5 (The disruption budget guarded-5 needs 1 healthy pods and has 1 currently); evicted default/free-5');
    assert.equal((err as DrainError).replaced.map((r) => r.pods), [1], 'what was evicted is still recorded for the wait for its replacement');
  }
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 3000 && elapsed < 30_000, `took ${elapsed} ms`);
  assert.not.ok((await readPod(core, 'guarded-5'))?.metadata?.deletionTimestamp, 'the guarded pod is still there');
  // Its grace period is a second: KWOK may have removed it already.
  const free = await readPod(core, 'free-5');
  assert.ok(!free || free.metadata?.deletionTimestamp, 'the unguarded pod was evicted');
});

test('an aborted drain stops waiting at once with the abort reason', async ({ live }) => {
  await guardedPod(live, 'drain-6', 'guarded-6');
  const controller = new AbortController();
  let clockReads = 0;
  const nodes = new KubeNodes(live.plane.kubeConfig(), { now: () => (clockReads++, Date.now()) });
  const draining = nodes.drain('drain-6', { rules: DEFAULTS, timeoutMs: 120_000, retryIntervalMs: 60_000, signal: controller.signal });
  // Settling early (it must not) ends the wait so the assertions below report it.
  let settled = false;
  draining.then(() => (settled = true), () => (settled = true));
  await waitUntil(() => Promise.resolve(settled || clockReads >= 3), { what: 'a refused round', timeoutMs: 60_000, intervalMs: 50 });
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
  assert.equal((await nodes.drain('rbac-1', { rules: DEFAULTS, timeoutMs: 10_000 })).evicted, ['default/rbac-web']);
  assert.ok((await nodes.controlledPods([{ namespace: NS, uid: REPLICA_SET.uid }])).some((p) => p.metadata?.name === 'rbac-web'), 'replacements can be looked for');
  assert.equal(names(await nodes.remainingPods('rbac-1')), ['rbac-web']);
  const info = await nodes.getNode('rbac-1');
  assert.equal(info?.taints.map((t) => t.key).sort(), [NOT_READY, SCALE_DOWN_TAINT.key]);
  assert.is(info?.unschedulable, true);
});

test.run();
