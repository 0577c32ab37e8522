// The safety checks fed by a real cluster: nodes that KWOK keeps Ready, pods it runs (owned by
// a real ReplicaSet and DaemonSet) and a PDB whose status the real disruption controller
// computes, loaded with loadSnapshot, and the verdict flipping when the PDB's
// disruptionsAllowed is raised (by lowering its minAvailable).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AppsV1Api, CoreV1Api, KubeConfig, PolicyV1Api, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KWOK_NODE_ANNOTATION, type Kwok } from '../../dev/sandbox/kwok.js';
import { waitUntil } from '../../dev/sandbox/supervisor.js';
import { startLiveControlPlane } from '../harness/agent-world.js';
import { KubeError, isForbidden } from '../../runtime/kube/kube-errors.js';
import { loadSnapshot } from '../../runtime/safety/cluster-snapshot.kube.js';
import { checkSafety } from '../../runtime/safety/safety-checks.js';
import { node, pod } from './safety-fixtures.js';

const test = suite<{ plane: ControlPlane; kwok: Kwok }>('cluster snapshot against a real API server');
const OPTIONS = { maxUtilizationPercent: 75, leavingTaintKeys: ['aws-node-termination-handler/rebalance-recommendation'], drain: { deleteEmptyDirData: false, force: false } };

test.before(async (ctx) => {
  ({ plane: ctx.plane, kwok: ctx.kwok } = await startLiveControlPlane());
});
test.after(async (ctx) => {
  await ctx.kwok?.stop();
  await ctx.plane?.stop();
});

/** Registers the fixture's node as its kubelet (KWOK) would, and waits for the node lifecycle controller to lift the not-ready taint. */
async function createNode(core: CoreV1Api, fixture: V1Node): Promise<void> {
  const name = fixture.metadata?.name ?? '';
  const annotations = { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value };
  await core.createNode({ body: { metadata: { ...fixture.metadata, annotations }, spec: fixture.spec, status: fixture.status } });
  await waitUntil(async () => !((await core.readNode({ name })).spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'), {
    what: `${name} without the not-ready taint`,
    timeoutMs: 60_000,
  });
}

/**
 * Creates the fixture's pods on their nodes without owners, then the controllers that adopt
 * them: a ReplicaSet for the web pods, a DaemonSet (OnDelete, so it never replaces its adopted
 * pod) for the agent. Their own pods would be pinned nowhere: none is needed.
 */
async function createOwnedPods(core: CoreV1Api, apps: AppsV1Api, pods: V1Pod[]): Promise<void> {
  for (const p of pods) await core.createNamespacedPod({ namespace: 'default', body: { metadata: { ...p.metadata, ownerReferences: undefined }, spec: p.spec } });
  const template = (app: string, nodeSelector: Record<string, string>) => ({ metadata: { labels: { app } }, spec: { nodeSelector, containers: [{ name: 'main', image: 'nginx' }] } });
  await apps.createNamespacedReplicaSet({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('web', { 'kubernetes.io/hostname': 'nowhere' }) } } });
  await apps.createNamespacedDaemonSet({
    namespace: 'default',
    body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: { type: 'OnDelete' }, template: template('agent', { 'kubernetes.io/hostname': 'ip-od' }) } },
  });
  const names = pods.map((p) => p.metadata?.name ?? '');
  await waitUntil(
    async () => {
      const listed = (await core.listNamespacedPod({ namespace: 'default' })).items;
      return names.every((n) => listed.some((p) => p.metadata?.name === n && p.status?.phase === 'Running' && p.metadata.ownerReferences?.some((o) => o.controller)));
    },
    { what: `${names.join(', ')} running and adopted`, timeoutMs: 60_000 },
  );
}

/** The disruption controller's status for PDB web, once computed for its current spec. */
async function pdbStatus(policy: PolicyV1Api, expected: { disruptionsAllowed: number }): Promise<void> {
  let last: unknown;
  await waitUntil(
    async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
      last = pdb.status;
      return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === 3 && pdb.status.disruptionsAllowed === expected.disruptionsAllowed;
    },
    { what: `PDB web allowing ${expected.disruptionsAllowed} disruptions (last status ${JSON.stringify(last)})`, timeoutMs: 60_000 },
  );
}

test('a PDB at 0 refuses the drain; raised to 2 the pods fit and the drain may go ahead', async ({ plane }) => {
  const kc = plane.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  await createNode(core, node('ip-od', { cpu: '4', memory: '16Gi' }));
  await createNode(core, node('ip-a', { cpu: '4', memory: '16Gi' }));
  await createNode(core, node('ip-b', { cpu: '8', memory: '32Gi', unschedulable: true }));
  await createOwnedPods(core, apps, [
    pod('web-1', 'ip-od', { cpu: '1', memory: '1Gi', labels: { app: 'web' } }),
    pod('web-2', 'ip-od', { cpu: '1', memory: '1Gi', labels: { app: 'web' } }),
    pod('web-3', 'ip-a', { cpu: '500m', memory: '1Gi', labels: { app: 'web' } }),
    pod('agent', 'ip-od', { cpu: '100', daemonSet: true, labels: { app: 'agent' } }),
  ]);
  // All three web pods must stay: the disruption controller allows none.
  await policy.createNamespacedPodDisruptionBudget({
    namespace: 'default',
    body: { metadata: { name: 'web' }, spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } } },
  });
  await pdbStatus(policy, { disruptionsAllowed: 0 });

  const before = await loadSnapshot(kc);
  assert.equal(before.nodes.map((n) => n.metadata?.name).sort(), ['ip-a', 'ip-b', 'ip-od']);
  assert.is(before.pods.length, 4);
  assert.is(before.pdbs[0]?.status?.disruptionsAllowed, 0);
  const refused = checkSafety(before, 'ip-od', OPTIONS);
  assert.equal(refused, { ok: false, check: 'pdb', reason: 'PDB default/web allows 0 disruptions, the node has 2 of its pods' });

  // One must stay: two may go.
  await policy.patchNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default', body: [{ op: 'replace', path: '/spec/minAvailable', value: 1 }] });
  await pdbStatus(policy, { disruptionsAllowed: 2 });
  const allowed = checkSafety(await loadSnapshot(kc), 'ip-od', OPTIONS);
  // ip-b is cordoned, so both pods land on ip-a: 2.5 of 4 cpu.
  assert.equal(allowed, {
    ok: true,
    utilizationPercent: 62.5,
    placements: { 'default/web-1': 'ip-a', 'default/web-2': 'ip-a' },
    summary: '2 pods fit on 1 node, PDBs allow, utilisation after removal 62.5% (limit 75%)',
  });
});

test('a caller without list rights gets KubeError Forbidden, not an ApiException', async ({ plane }) => {
  const core = plane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'nobody' } } });
  const token = (await core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token;
  assert.ok(token);
  const path = `${plane.dir}/nobody.kubeconfig`;
  await plane.writeKubeconfig(path, token, 'system:serviceaccount:default:nobody');
  const nobody = new KubeConfig();
  nobody.loadFromFile(path);
  try {
    await loadSnapshot(nobody);
    assert.unreachable('listing must be refused');
  } catch (err) {
    assert.instance(err, KubeError);
    assert.ok(isForbidden(err), String(err));
    assert.match((err as KubeError).message, /^list (nodes|pods|pod disruption budgets|persistent volume claims|persistent volumes): /);
  }
});

test.run();
