// The safety checks fed by a real API server: nodes, pods and a PDB whose status is written
// through the status subresource (nothing computes it here), loaded with loadSnapshot, and
// the verdict flipping when the PDB's disruptionsAllowed is raised.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, KubeConfig, PolicyV1Api, type V1Node } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KubeError, isForbidden } from '../../runtime/kube/kube-errors.js';
import { loadSnapshot } from '../../runtime/safety/cluster-snapshot.kube.js';
import { checkSafety } from '../../runtime/safety/safety-checks.js';
import { node, pod } from './safety-fixtures.js';

const test = suite<{ plane: ControlPlane }>('cluster snapshot against a real API server');
const OPTIONS = { maxUtilizationPercent: 75, leavingTaintKeys: ['aws-node-termination-handler/rebalance-recommendation'] };

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

async function createNode(core: CoreV1Api, fixture: V1Node): Promise<void> {
  const name = fixture.metadata?.name ?? '';
  await core.createNode({ body: { metadata: fixture.metadata, spec: fixture.spec } });
  // Status is the kubelet's to write; without one, the test writes it the same way.
  const withStatus = await core.replaceNodeStatus({ name, body: { ...(await core.readNode({ name })), status: fixture.status } });
  // The TaintNodesByCondition admission plugin taints every new node not-ready; the node
  // lifecycle controller, absent here, would lift it once the node reports Ready.
  await core.replaceNode({ name, body: { ...withStatus, spec: { ...withStatus.spec, taints: fixture.spec?.taints ?? [] } } });
}

async function setDisruptionsAllowed(policy: PolicyV1Api, disruptionsAllowed: number): Promise<void> {
  const current = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
  await policy.replaceNamespacedPodDisruptionBudgetStatus({
    name: 'web',
    namespace: 'default',
    body: { ...current, status: { disruptionsAllowed, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, observedGeneration: current.metadata?.generation } },
  });
}

test('a PDB at 0 refuses the drain; raised to 2 the pods fit and the drain may go ahead', async ({ plane }) => {
  const kc = plane.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  await createNode(core, node('ip-od', { cpu: '4', memory: '16Gi' }));
  await createNode(core, node('ip-a', { cpu: '4', memory: '16Gi' }));
  await createNode(core, node('ip-b', { cpu: '8', memory: '32Gi', unschedulable: true }));
  for (const fixture of [
    pod('web-1', 'ip-od', { cpu: '1', memory: '1Gi', labels: { app: 'web' } }),
    pod('web-2', 'ip-od', { cpu: '1', memory: '1Gi', labels: { app: 'web' } }),
    pod('web-3', 'ip-a', { cpu: '500m', memory: '1Gi', labels: { app: 'web' } }),
    pod('agent', 'ip-od', { cpu: '100', daemonSet: true }),
  ]) {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: fixture.metadata, spec: fixture.spec } });
  }
  await policy.createNamespacedPodDisruptionBudget({
    namespace: 'default',
    body: { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
  });
  await setDisruptionsAllowed(policy, 0);

  const before = await loadSnapshot(kc);
  assert.equal(before.nodes.map((n) => n.metadata?.name).sort(), ['ip-a', 'ip-b', 'ip-od']);
  assert.is(before.pods.length, 4);
  assert.is(before.pdbs[0]?.status?.disruptionsAllowed, 0);
  const refused = checkSafety(before, 'ip-od', OPTIONS);
  assert.equal(refused, { ok: false, check: 'pdb', reason: 'PDB default/web allows 0 disruptions, the node has 2 of its pods' });

  await setDisruptionsAllowed(policy, 2);
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
    assert.match((err as KubeError).message, /^list (nodes|pods|pod disruption budgets): /);
  }
});

test.run();
