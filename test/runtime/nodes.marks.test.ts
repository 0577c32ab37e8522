// Changes to a node undone only by whoever made them: the scale-down writes its mark (the
// event's uid) in the same patch as its taint or cordon, and a rollback with that mark undoes
// exactly what carries it. A node someone else tainted or cordoned first gets no mark, so it is
// never "restored" by Spot Guard. Against a real API server under the shipped RBAC.
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CRD_PATH } from '../../crds/schema.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KubeError } from '../../runtime/kube/kube-errors.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { SCALE_DOWN_CORDONED_BY, SCALE_DOWN_TAINT, SCALE_DOWN_TAINTED_BY } from '../../runtime/kube/nodes.port.js';
import { installCrd } from '../harness/crd.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const OURS = { tainted: { key: SCALE_DOWN_TAINTED_BY, value: 'uid-of-our-event' }, cordoned: { key: SCALE_DOWN_CORDONED_BY, value: 'uid-of-our-event' } };
const FORGED = { tainted: { key: SCALE_DOWN_TAINTED_BY, value: 'uid-of-a-forged-event' }, cordoned: { key: SCALE_DOWN_CORDONED_BY, value: 'uid-of-a-forged-event' } };

interface Ctx {
  plane: ControlPlane;
  core: CoreV1Api;
  nodes: KubeNodes;
}
const test = suite<Ctx>('node changes undone only by their maker');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  const admin = ctx.plane.kubeConfig();
  ctx.core = admin.makeApiClient(CoreV1Api);
  await installCrd(ctx.plane);
  const applied = await ctx.plane.kubectl(['apply', '-f', CRD_PATH, '-f', MANIFESTS]);
  assert.is(applied.code, 0, applied.stderr);
  const token = (await ctx.core.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token;
  assert.ok(token);
  const path = `${ctx.plane.dir}/agent.kubeconfig`;
  await ctx.plane.writeKubeconfig(path, token, 'system:serviceaccount:kube-system:spot-guard');
  const agent = new KubeConfig();
  agent.loadFromFile(path);
  // The agent's own identity: the shipped RBAC must allow what the rollback does.
  ctx.nodes = new KubeNodes(agent);
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

async function node(core: CoreV1Api, name: string, spec: V1Node['spec'] = {}, annotations: Record<string, string> = {}): Promise<void> {
  await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations }, spec } });
}

async function read(core: CoreV1Api, name: string): Promise<{ tainted: boolean; cordoned: boolean; annotations: Record<string, string> }> {
  const n = await core.readNode({ name });
  return { tainted: !!n.spec?.taints?.some((t) => t.key === SCALE_DOWN_TAINT.key), cordoned: n.spec?.unschedulable === true, annotations: n.metadata?.annotations ?? {} };
}

test('the taint and its mark land together, and only the mark\'s owner removes them', async ({ core, nodes }) => {
  await node(core, 'marked-1');
  assert.is(await nodes.taint('marked-1', SCALE_DOWN_TAINT, OURS.tainted), true);
  assert.equal((await read(core, 'marked-1')).annotations[SCALE_DOWN_TAINTED_BY], 'uid-of-our-event');
  assert.is(await nodes.untaint('marked-1', SCALE_DOWN_TAINT, FORGED.tainted), false, 'another event\'s mark undoes nothing');
  assert.ok((await read(core, 'marked-1')).tainted);
  assert.is(await nodes.untaint('marked-1', SCALE_DOWN_TAINT, OURS.tainted), true);
  const after = await read(core, 'marked-1');
  assert.not.ok(after.tainted);
  assert.is(after.annotations[SCALE_DOWN_TAINTED_BY], undefined, 'the mark goes with the taint');
  assert.is(await nodes.untaint('marked-1', SCALE_DOWN_TAINT, OURS.tainted), false, 'idempotent');
});

test('a taint that was there before gets no mark, so no rollback removes it', async ({ core, nodes }) => {
  await node(core, 'marked-2', { taints: [{ ...SCALE_DOWN_TAINT }] });
  assert.is(await nodes.taint('marked-2', SCALE_DOWN_TAINT, OURS.tainted), false);
  assert.is((await read(core, 'marked-2')).annotations[SCALE_DOWN_TAINTED_BY], undefined);
  assert.is(await nodes.untaint('marked-2', SCALE_DOWN_TAINT, OURS.tainted), false);
  assert.ok((await read(core, 'marked-2')).tainted);
});

test('a node someone else cordoned stays cordoned; our own cordon is undone with its mark', async ({ core, nodes }) => {
  await node(core, 'cordoned-by-someone', { unschedulable: true });
  assert.is(await nodes.cordon('cordoned-by-someone', OURS.cordoned), false);
  assert.is((await read(core, 'cordoned-by-someone')).annotations[SCALE_DOWN_CORDONED_BY], undefined);
  assert.is(await nodes.uncordon('cordoned-by-someone', OURS.cordoned), false);
  assert.ok((await read(core, 'cordoned-by-someone')).cordoned, 'an operator\'s cordon is kept');

  await node(core, 'cordoned-by-us');
  assert.is(await nodes.cordon('cordoned-by-us', OURS.cordoned), true);
  assert.is(await nodes.uncordon('cordoned-by-us', FORGED.cordoned), false);
  assert.ok((await read(core, 'cordoned-by-us')).cordoned, 'a forged event\'s rollback touches nothing');
  assert.is(await nodes.uncordon('cordoned-by-us', OURS.cordoned), true);
  const after = await read(core, 'cordoned-by-us');
  assert.not.ok(after.cordoned);
  assert.is(after.annotations[SCALE_DOWN_CORDONED_BY], undefined);
  assert.is(await nodes.uncordon('cordoned-by-us', OURS.cordoned), false, 'idempotent');
});

test('a mark left without its change (someone uncordoned meanwhile) is cleared, and other annotations are kept', async ({ core, nodes }) => {
  await node(core, 'half', {}, { team: 'payments' });
  assert.is(await nodes.cordon('half', OURS.cordoned), true);
  await core.replaceNode({ name: 'half', body: { ...(await core.readNode({ name: 'half' })), spec: { unschedulable: false } } });
  assert.is(await nodes.uncordon('half', OURS.cordoned), false, 'nothing to uncordon');
  const after = await read(core, 'half');
  assert.is(after.annotations[SCALE_DOWN_CORDONED_BY], undefined);
  assert.is(after.annotations.team, 'payments');
  assert.not.ok(after.cordoned);
});

test('without a mark, uncordon uncordons; on a missing node it is NotFound', async ({ core, nodes }) => {
  await node(core, 'plain', { unschedulable: true });
  assert.is(await nodes.uncordon('plain'), true);
  assert.is(await nodes.uncordon('plain'), false);
  try {
    await nodes.uncordon('no-such-node', OURS.cordoned);
    assert.unreachable('uncordon of a missing node resolved');
  } catch (err) {
    assert.instance(err, KubeError);
    assert.is((err as KubeError).code, 'NotFound');
  }
});

test.run();
