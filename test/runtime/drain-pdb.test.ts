// The drain against a PodDisruptionBudget whose status the real disruption controller computes:
// kube-scheduler, kube-controller-manager and KWOK as the kubelet, a real ReplicaSet. The
// Eviction API answers 429 while the budget has no disruption to spare; the drain asks again
// after its retry interval until its timeout and then names the pod still refused in the
// budget's own words. Once the ReplicaSet has a second pod Ready elsewhere, the budget allows
// one disruption, the waiting drain evicts, and the scale-down's wait for the reschedule sees the
// ReplicaSet's replacement run on the other node.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AppsV1Api, CoreV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KWOK_NODE_ANNOTATION, type Kwok } from '../../dev/sandbox/kwok.js';
import { waitUntil } from '../../dev/sandbox/supervisor.js';
import { runStep } from '../../runtime/agent/scale-down-steps.js';
import type { AutoScalingPort } from '../../runtime/autoscaling.port.js';
import { scaleDownRules } from '../../runtime/kube/drain-policy.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { DrainError } from '../../runtime/kube/nodes.port.js';
import { rescheduleProgress } from '../../runtime/kube/reschedule.js';
import { createLogger } from '../../runtime/log.js';
import { startLiveControlPlane } from '../harness/agent-world.js';

const NS = 'default';
const RULES = scaleDownRules({ deleteEmptyDirData: false, force: false });
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Ctx {
  plane: ControlPlane;
  kwok: Kwok;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
}
const test = suite<Ctx>('drain against a live PodDisruptionBudget (scheduler, controller-manager, KWOK)');

test.before(async (ctx) => {
  ({ plane: ctx.plane, kwok: ctx.kwok } = await startLiveControlPlane());
  const kc = ctx.plane.kubeConfig();
  ctx.core = kc.makeApiClient(CoreV1Api);
  ctx.apps = kc.makeApiClient(AppsV1Api);
  ctx.policy = kc.makeApiClient(PolicyV1Api);
});
test.after(async (ctx) => {
  await ctx.kwok?.stop();
  await ctx.plane?.stop();
});

/** A node KWOK plays the kubelet of: Ready at once; `unschedulable` keeps the scheduler off it. */
async function kwokNode(core: CoreV1Api, name: string, unschedulable: boolean): Promise<void> {
  const resources = { cpu: '4', memory: '16Gi', pods: '110' };
  await core.createNode({
    body: {
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' }, annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } },
      spec: { unschedulable },
      status: { allocatable: resources, capacity: resources },
    },
  });
  await waitUntil(async () => {
    const node = await core.readNode({ name });
    const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    return !!ready && !(node.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready');
  }, { what: `node ${name} Ready and untainted`, timeoutMs: 60_000 });
}

async function webPods(core: CoreV1Api): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' })).items;
}
const running = (pods: V1Pod[], node: string): V1Pod[] => pods.filter((p) => p.spec?.nodeName === node && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);

test('429s are retried until the timeout, naming the refused pod; once the budget allows, the drain evicts and the replacement runs elsewhere', async ({ core, apps, policy, plane }) => {
  // The pod starts on od-node; spot-node is kept out of the way until it is wanted.
  await kwokNode(core, 'od-node', false);
  await kwokNode(core, 'spot-node', true);
  const labels = { app: 'web' };
  await apps.createNamespacedReplicaSet({
    namespace: NS,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        // A short grace period, so that KWOK removes the evicted pod a second after its eviction.
        template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'nginx' }] } },
      },
    },
  });
  await waitUntil(async () => running(await webPods(core), 'od-node').length === 1, { what: 'the web pod Running on od-node', timeoutMs: 60_000 });
  await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } } });
  // The disruption controller, not the test, says the budget has nothing to spare.
  await waitUntil(async () => {
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: NS });
    return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === 1 && pdb.status.disruptionsAllowed === 0;
  }, { what: 'the disruption controller to compute the budget', timeoutMs: 60_000 });
  // As the scale-down would have it: od-node cordoned, spot-node open.
  await core.patchNode({ name: 'od-node', body: { spec: { unschedulable: true } } }, mergePatch);
  await core.patchNode({ name: 'spot-node', body: { spec: { unschedulable: false } } }, mergePatch);
  const [original] = running(await webPods(core), 'od-node');
  const originalRef = `${NS}/${original?.metadata?.name ?? '?'}`;

  const nodes = new KubeNodes(plane.kubeConfig(), { retryIntervalMs: 500 });
  try {
    await nodes.drain('od-node', { rules: RULES, timeoutMs: 3000 });
    assert.unreachable('the budget allows no disruption: the drain must time out');
  } catch (err) {
    assert.instance(err, DrainError);
    assert.is((err as DrainError).code, 'Timeout');
    assert.equal((err as DrainError).pods, [originalRef]);
    assert.is((err as DrainError).message, `drain of node od-node timed out after 3s, evictions still refused for ${originalRef} (The disruption budget web needs 1 healthy pods and has 1 currently)`);
  }
  assert.is(running(await webPods(core), 'od-node').length, 1, 'the pod still runs on od-node');

  // A drain that waits while a second replica comes up elsewhere, and the budget with it.
  let clockReads = 0;
  const patient = new KubeNodes(plane.kubeConfig(), { retryIntervalMs: 500, now: () => (clockReads++, Date.now()) });
  const draining = patient.drain('od-node', { rules: RULES, timeoutMs: 120_000 });
  let settled = false;
  draining.then(() => (settled = true), () => (settled = true));
  // Read at the start, before the first eviction, then after each refused round.
  await waitUntil(() => Promise.resolve(settled || clockReads >= 3), { what: 'a refused round', timeoutMs: 60_000, intervalMs: 50 });
  assert.not.ok(settled, 'the drain waits for the budget');
  await apps.patchNamespacedReplicaSet({ name: 'web', namespace: NS, body: { spec: { replicas: 2 } } }, mergePatch);
  const result = await draining;
  assert.equal(result.evicted, [originalRef]);
  assert.equal(result.replaced.map((r) => [r.kind, r.name, r.pods]), [['ReplicaSet', 'web', 1]]);

  // The ReplicaSet replaces the evicted pod; the scheduler can only put it on spot-node. The
  // scale-down's step waits for that from what the drain recorded in the event's status.
  const event: SpotGuardFallbackEvent = {
    apiVersion: 'aws.amazon.com/v1',
    kind: 'SpotGuardFallbackEvent',
    metadata: { name: 'fallback-1', namespace: 'kube-system' },
    spec: { spotASGName: 'my-spot-asg', onDemandASGName: 'my-ondemand-asg', onDemandNodeName: 'od-node', timestamp: new Date().toISOString() },
    status: { phase: 'ScalingDown', scaleDown: { evicted: result.replaced } },
  };
  const waited = await runStep('waitForReschedule', event, {
    nodes,
    pods: nodes,
    // This step asks nothing of AWS.
    autoscaling: {} as AutoScalingPort,
    capacity: { terminate: () => Promise.reject(new Error('waiting for the reschedule must terminate nothing')) },
    drain: { deleteEmptyDirData: false, force: false },
    evictionTimeoutMs: 60_000,
    pollIntervalMs: 200,
    dryRun: false,
    log: createLogger({ level: 'error' }),
  });
  assert.equal(waited, { ok: true, message: '1 evicted pods running again elsewhere' });
  assert.equal(await nodes.remainingPods('od-node'), [], 'od-node empty');
  assert.ok(rescheduleProgress(result.replaced, await nodes.controlledPods(result.replaced), 'od-node').done);
  const pods = await webPods(core);
  assert.is(running(pods, 'spot-node').length, 2, 'the second replica and the replacement');
  assert.not.ok(pods.some((p) => `${NS}/${p.metadata?.name}` === originalRef), 'the evicted pod is gone');
});

test.run();
