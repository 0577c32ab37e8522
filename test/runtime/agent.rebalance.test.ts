// The agent's answer to its own node's notices, end to end against real servers: AEMM serves
// the rebalance recommendation and the spot interruption, moto the Auto Scaling API, a real
// API server the nodes and events, and the agent runs under the shipped RBAC.
//
// moto launches every instance at once, so "spot capacity does not arrive in time" is played
// by never registering a node for the new spot instance: it never becomes a Ready node.
import { AutoScalingClient, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../runtime/agent/agent.js';
import { REQUEST_ANNOTATION } from '../../runtime/agent/rebalance-responder.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { EventRecorder } from '../../runtime/kube/events.recorder.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import {
  agentConfig,
  createAsgPair,
  credentials,
  loud,
  markReady,
  ON_DEMAND_ASG,
  placePod,
  quietLog,
  registerNode,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
} from '../harness/agent-world.js';

interface Ctx {
  world: AgentWorld;
  aemms: Aemm[];
  agents: Agent[];
}
const test = suite<Ctx>('rebalance response: scale first, taint later');

test.before(
  loud(async (ctx) => {
    // KWOK plays the kubelet: an evicted pod is gone once its grace period is over.
    ctx.world = await startAgentWorld({ withKubelets: true });
    ctx.aemms = [];
    ctx.agents = [];
    await createAsgPair(ctx.world.moto, 3, 0);
    const [spot] = await ctx.world.aws.describeGroups([SPOT_ASG]);
    for (const [i, instance] of (spot?.instances ?? []).entries()) await registerNode(ctx.world, `spot-node-${i}`, instance.instanceId);
  }),
);
test.after(async (ctx) => {
  await Promise.all((ctx.agents ?? []).map((a) => a.stop({ release: false })));
  await Promise.all((ctx.aemms ?? []).map((a) => a.stop()));
  await ctx.world?.stop();
});

function startAgent(ctx: Ctx, nodeName: string, aemm: Aemm, report: { metrics?: AgentMetrics; events?: EventRecorder } = {}): Agent {
  const agent = new Agent({
    ...report,
    identity: { podName: `spot-guard-${nodeName}`, nodeName },
    // A long minimum wait keeps the recorded event in Pending: this suite is about the response.
    config: agentConfig({ SPOT_GUARD_MINIMUM_WAIT: '1h', SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '5s' }),
    kubeConfig: ctx.world.agentKubeConfig(),
    autoscaling: ctx.world.aws,
    imds: new ImdsHttpClient({ endpoint: aemm.url }),
    tuning: { imdsIntervalMs: 500 },
    log: quietLog(),
  });
  ctx.agents.push(agent);
  agent.start();
  return agent;
}

const desired = async (world: AgentWorld): Promise<Record<string, number>> =>
  Object.fromEntries((await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG])).map((g) => [g.name, g.desired]));

test('spot does not come: the increment is withdrawn, on-demand comes, the event is recorded, and the node is tainted only once the replacement is Ready', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-0', aemm);

  await waitFor('the spot ASG scaled first, 3 → 4', async () => (await desired(world))[SPOT_ASG] === 4);
  const isProtected = async () => {
    const node = await core.readNode({ name: 'spot-node-0' });
    return !!node.spec?.unschedulable || !!node.spec?.taints?.some((t) => t.key === REBALANCE_TAINT.key);
  };
  assert.not.ok(await isProtected(), 'no taint while the replacement is only asked for');

  // No node ever registers for the new spot instance: after the capacity timeout the agent
  // withdraws its increment and falls back.
  await waitFor('the increment withdrawn and on-demand raised 0 → 1', async () => {
    const d = await desired(world);
    return d[SPOT_ASG] === 3 && d[ON_DEMAND_ASG] === 1;
  }, 60_000);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances[0]?.instanceId ?? '';
  assert.ok(instanceId);
  await registerNode(world, 'od-node', instanceId, { ready: false });

  const store = new FallbackEventStore(world.admin);
  const event = await waitFor('the fallback recorded', async () => (await store.list()).items[0]);
  assert.is(event.spec.spotASGName, SPOT_ASG);
  assert.is(event.spec.onDemandASGName, ON_DEMAND_ASG);
  assert.is(event.spec.onDemandInstanceID, instanceId);
  assert.is(event.spec.onDemandNodeName, 'od-node');
  assert.is(event.spec.minimumWaitDuration, '1h');
  assert.is(event.status?.phase, 'Pending');
  assert.match(event.metadata?.annotations?.[REQUEST_ANNOTATION] ?? '', /^spot-node-0@/);
  // Give the agent a few polls of the NotReady replacement: it must not taint yet.
  await new Promise((r) => setTimeout(r, 3000));
  assert.not.ok(await isProtected(), 'no taint while the replacement is NotReady');

  await markReady(world, 'od-node');
  await waitFor('spot-node-0 tainted and cordoned', async () => {
    const node = await core.readNode({ name: 'spot-node-0' });
    return node.spec?.unschedulable && node.spec.taints?.some((t) => t.key === REBALANCE_TAINT.key && t.effect === 'NoSchedule');
  }, 60_000);
  assert.is((await store.list()).items.length, 1, 'one event for one fallback');
  assert.equal(await desired(world), { [SPOT_ASG]: 3, [ON_DEMAND_ASG]: 1 }, 'exactly one replacement');
});

test('a spot interruption notice drains the node at once', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  // The withdraw above may have terminated any spot instance: use one that is still there.
  const [spot] = await world.aws.describeGroups([SPOT_ASG]);
  const spotNode0 = (await core.readNode({ name: 'spot-node-0' })).spec?.providerID ?? '';
  const instance = spot?.instances.find((i) => i.lifecycleState === 'InService' && !spotNode0.endsWith(i.instanceId))?.instanceId ?? '';
  await registerNode(world, 'spot-node-x', instance);
  await placePod(world, 'web-on-node-x', 'spot-node-x');
  const aemm = await startAemm({ interruptionDelaySec: 1 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-x', aemm);
  await waitFor('the pod evicted from spot-node-x', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=spot-node-x' });
    return pods.items.length === 0;
  }, 60_000);
  const node = await core.readNode({ name: 'spot-node-x' });
  assert.ok(node.spec?.unschedulable, 'cordoned');
  assert.ok(node.spec?.taints?.some((t) => t.key === REBALANCE_TAINT.key), 'tainted');
});

test('an on-demand ASG at its max size: the node keeps its pods, one Warning Event, a metric at 1, and the response goes on once the max is raised', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  const before = await desired(world);
  const admin = new AutoScalingClient({ region: 'us-east-1', endpoint: world.moto.endpoint, credentials });
  const maxSize = async (name: string, max: number) => void (await admin.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MaxSize: max })));
  try {
    // Neither ASG has room: the spot increment is refused for good, so is the on-demand one.
    await maxSize(SPOT_ASG, before[SPOT_ASG] ?? 0);
    await maxSize(ON_DEMAND_ASG, before[ON_DEMAND_ASG] ?? 0);
    const [spot] = await world.aws.describeGroups([SPOT_ASG]);
    const registered = new Set((await core.listNode()).items.map((n) => n.spec?.providerID?.split('/').at(-1)));
    const instance = spot?.instances.find((i) => i.lifecycleState === 'InService' && !registered.has(i.instanceId))?.instanceId ?? '';
    assert.ok(instance, 'a spot instance with no node yet');
    await registerNode(world, 'spot-node-m', instance);
    const metrics = new AgentMetrics();
    const events = new EventRecorder(world.agentKubeConfig(), { podName: 'spot-guard-spot-node-m', nodeName: 'spot-node-m' }, quietLog());
    const aemm = await startAemm({ rebalanceDelaySec: 1 });
    ctx.aemms.push(aemm);
    startAgent(ctx, 'spot-node-m', aemm, { metrics, events });

    const gauge = `spot_guard_on_demand_asg_at_max_size{on_demand_asg="${ON_DEMAND_ASG}"}`;
    await waitFor('the at-max-size metric at 1', async () => (await metrics.metrics()).includes(`${gauge} 1`), 60_000);
    const atMaxEvents = async () => (await core.listEventForAllNamespaces()).items.filter((e) => e.reason === 'OnDemandAtMaxSize' && e.involvedObject.name === 'spot-node-m');
    const [event] = await waitFor('a Warning Event on the node', async () => ((await atMaxEvents()).length > 0 ? await atMaxEvents() : undefined), 30_000);
    assert.is(event?.type, 'Warning');
    assert.match(event?.message ?? '', new RegExp(`${ON_DEMAND_ASG} is at its max size`));
    const node = await core.readNode({ name: 'spot-node-m' });
    assert.not.ok(node.spec?.unschedulable, 'the node keeps its pods while no replacement can come');
    assert.equal(await desired(world), before, 'nothing raised past a max size');

    // A person raises the max size: the response asks again (within its capped backoff) and goes on.
    await maxSize(ON_DEMAND_ASG, (before[ON_DEMAND_ASG] ?? 0) + 1);
    await waitFor('on-demand raised by one', async () => (await desired(world))[ON_DEMAND_ASG] === (before[ON_DEMAND_ASG] ?? 0) + 1, 120_000);
    await waitFor('the at-max-size metric back at 0', async () => (await metrics.metrics()).includes(`${gauge} 0`), 30_000);
    assert.is((await atMaxEvents()).length, 1, 'one Event for the episode');
  } finally {
    admin.destroy();
  }
});

test.run();
