// Simulated instances as Kubernetes Nodes in a real kube-apiserver: registered once
// InService with the providerID and labels EKS gives them, reported Ready by KWOK after the
// node-ready delay, untainted by the real node lifecycle controller, and deleted when the
// instance is gone.
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { instanceIdOf } from '../../runtime/kube/provider-id.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { startKwok, type Kwok } from '../../dev/sandbox/kwok.js';
import type { NodeMapping } from '../../dev/simulator/control.types.js';
import { startSimulator, type Simulator } from '../../dev/simulator/simulator.js';
import { loud, waitFor } from '../harness/agent-world.js';
import { contractCredentials as credentials } from '../harness/autoscaling-contract.js';

const SPOT = 'my-spot-asg';
const OD = 'my-ondemand-asg';
const NODE_READY_MS = 1500;

interface Ctx {
  plane: ControlPlane;
  kwok: Kwok;
  sim: Simulator;
  core: CoreV1Api;
  aws: AwsAutoScaling;
}
const test = suite<Ctx>('simulator node registration (real kube-apiserver)');

test.before(
  loud(async (ctx) => {
    ctx.plane = await startControlPlane({ controllers: true });
    ctx.kwok = await startKwok({ kubeconfigPath: ctx.plane.kubeconfigPath });
    const admin = ctx.plane.kubeConfig();
    ctx.core = admin.makeApiClient(CoreV1Api);
    ctx.sim = await startSimulator({ kubeConfig: admin, delays: { nodeReadyMs: NODE_READY_MS } });
    ctx.aws = new AwsAutoScaling({ region: 'us-east-1', endpoint: ctx.sim.endpoint, credentials });
  }),
);
test.after(async (ctx) => {
  ctx.aws?.destroy();
  await ctx.sim?.stop();
  await ctx.kwok?.stop();
  await ctx.plane?.stop();
});

const readNode = (core: CoreV1Api, name: string): Promise<V1Node | undefined> => core.readNode({ name }).catch(() => undefined);
const isReady = (n: V1Node | undefined): boolean => !!n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const mapping = async (sim: Simulator, instanceId: string): Promise<NodeMapping | undefined> => (await sim.control.nodes()).find((m) => m.instanceId === instanceId);

test('a launched instance becomes a Node with its providerID and EKS labels, then Ready after the delay without the not-ready taint', async ({ sim, core }) => {
  await sim.control.createGroup({ name: SPOT, capacityType: 'spot', minSize: 0, maxSize: 5, desiredCapacity: 1 });
  const [instance] = (await sim.control.state()).groups[0]?.instances ?? [];
  assert.ok(instance);
  const registered = await waitFor('the node registered', async () => {
    const m = await mapping(sim, instance.instanceId);
    return m?.registered && m;
  });
  assert.is(registered.nodeName, instance.nodeName);
  assert.match(registered.nodeName, /^ip-10-0-\d+-\d+$/);

  const node = await readNode(core, registered.nodeName);
  assert.is(node?.spec?.providerID, `aws:///us-east-1a/${instance.instanceId}`);
  assert.is(instanceIdOf(node?.spec?.providerID), instance.instanceId, "the agent's own parser reads the instance back");
  const labels = node?.metadata?.labels ?? {};
  assert.is(labels['eks.amazonaws.com/capacityType'], 'SPOT');
  assert.is(labels['topology.kubernetes.io/zone'], 'us-east-1a');
  assert.is(labels['node.kubernetes.io/instance-type'], 'm5.large');
  assert.is(labels['kubernetes.io/hostname'], registered.nodeName);
  assert.is(labels['spot-guard.aws.amazon.com/asg-name'], SPOT);
  assert.equal(node?.status?.allocatable, { cpu: '1930m', memory: '7134Mi', pods: '29' });
  assert.is(node?.status?.capacity?.cpu, '2');

  const ready = await waitFor('the node Ready and untainted', async () => {
    const n = await readNode(core, registered.nodeName);
    return isReady(n) && !(n?.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready') && n;
  });
  // Kubernetes keeps condition times to the second, hence the rounding.
  const readySince = new Date(ready.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? 0).getTime();
  assert.ok(readySince >= Math.floor((instance.inServiceAt + NODE_READY_MS) / 1000) * 1000, 'Ready no earlier than the node-ready delay after InService');
  assert.equal(await mapping(sim, instance.instanceId), { ...registered, ready: true });
});

test('an on-demand instance is labelled ON_DEMAND, and its Node is deleted once the instance is terminated', async ({ sim, core, aws }) => {
  await sim.control.createGroup({ name: OD, capacityType: 'on-demand', minSize: 0, maxSize: 5, desiredCapacity: 1 });
  const [od] = await aws.describeGroups([OD]);
  const id = od?.instances[0]?.instanceId ?? '';
  const m = await waitFor('the on-demand node registered', async () => {
    const found = await mapping(sim, id);
    return found?.registered && found;
  });
  assert.is((await readNode(core, m.nodeName))?.metadata?.labels?.['eks.amazonaws.com/capacityType'], 'ON_DEMAND');
  assert.is((await readNode(core, m.nodeName))?.metadata?.labels?.['spot-guard.aws.amazon.com/asg-name'], OD);

  await sim.control.setDelays({ terminateMs: 500 });
  await aws.terminateInstance(id);
  await waitFor('the node deleted', async () => (await readNode(core, m.nodeName)) === undefined);
  assert.is(await mapping(sim, id), undefined);
});

test('an interrupted spot instance loses its Node and its replacement registers a new, distinct one', async ({ sim, core }) => {
  const before = (await sim.control.nodes()).filter((m) => m.groupName === SPOT);
  assert.is(before.length, 1);
  const victim = before[0] as NodeMapping;
  await sim.control.interrupt(victim.instanceId);
  await waitFor('the interrupted node deleted', async () => (await readNode(core, victim.nodeName)) === undefined);
  const replacement = await waitFor('the replacement Ready', async () => {
    const m = (await sim.control.nodes()).find((x) => x.groupName === SPOT && x.instanceId !== victim.instanceId);
    return m?.ready && m;
  });
  assert.is.not(replacement.nodeName, victim.nodeName);
  const nodes = (await core.listNode()).items.map((n) => n.metadata?.name).sort();
  assert.equal(nodes, [replacement.nodeName], 'exactly one Node per live instance');
});

test('reset forgets every instance, and their Nodes go with them', async ({ sim, core }) => {
  await sim.control.reset();
  await waitFor('no nodes left', async () => (await core.listNode()).items.length === 0);
  assert.equal(await sim.control.nodes(), []);
});

test.run();
