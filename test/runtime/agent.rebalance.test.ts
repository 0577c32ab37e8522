// The agent's answer to its own node's notices, end to end against real servers: AEMM serves
// the rebalance recommendation and the spot interruption, moto the Auto Scaling API, a real
// API server the nodes and events, and the agent runs under the shipped RBAC.
//
// moto launches every instance at once, so "spot capacity does not arrive in time" is played
// by never registering a node for the new spot instance: it never becomes a Ready node.
import { AutoScalingClient, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CoordinationV1Api, CoreV1Api, V1MicroTime } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../runtime/agent/agent.js';
import { REQUEST_ANNOTATION } from '../../runtime/agent/rebalance-responder.js';
import { finishResponse, KeptIncrements, type FinisherDeps } from '../../runtime/agent/response-finisher.js';
import { parseRecord, type ResponseRecord } from '../../runtime/agent/response-record.js';
import { AsgLeaseLocks, asgLeaseName } from '../../runtime/capacity/asg-lock.kube.js';
import { LedgeredCapacity } from '../../runtime/capacity/capacity.js';
import type { NodeView } from '../../streams/spot-health.js';
import { RESPONSE_ANNOTATION, responseLeaseName } from '../../runtime/kube/response-lease.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { EventRecorder } from '../../runtime/kube/events.recorder.js';
import { REBALANCE_CORDONED_BY, REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
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
    // Three spot nodes, and spot instances without a node yet for the tests that need a node of their own.
    await createAsgPairWithSpotNodes(ctx.world, SPOT_START, 0, 3);
  }),
);
test.after(async (ctx) => {
  await Promise.all((ctx.agents ?? []).map((a) => a.stop({ release: false })));
  await Promise.all((ctx.aemms ?? []).map((a) => a.stop()));
  await ctx.world?.stop();
});

/** Spot instances at the start: three nodes, and spares that later tests register as their own at-risk nodes. */
const SPOT_START = 14;

interface AgentChoices {
  metrics?: AgentMetrics;
  events?: EventRecorder;
  settings?: Record<string, string>;
  podName?: string;
}

/** Records outlive a silent holder by this much here (60 s when shipped). */
const LEASE_SECONDS = 4;

function startAgent(ctx: Ctx, nodeName: string, aemm: Aemm | undefined, choices: AgentChoices = {}): Agent {
  const agent = new Agent({
    metrics: choices.metrics,
    events: choices.events,
    identity: { podName: choices.podName ?? `spot-guard-${nodeName}`, nodeName },
    // A long minimum wait keeps the recorded event in Pending: this suite is about the response.
    config: agentConfig({ SPOT_GUARD_MINIMUM_WAIT: '1h', SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '5s', ...choices.settings }),
    kubeConfig: ctx.world.agentKubeConfig(),
    autoscaling: ctx.world.aws,
    imds: aemm ? new ImdsHttpClient({ endpoint: aemm.url }) : undefined,
    tuning: { imdsIntervalMs: 500, responseLeaseSeconds: LEASE_SECONDS },
    log: quietLog(),
  });
  ctx.agents.push(agent);
  agent.start();
  return agent;
}

const desired = async (world: AgentWorld): Promise<Record<string, number>> =>
  Object.fromEntries((await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG])).map((g) => [g.name, g.desired]));

const liveInstances = async (world: AgentWorld, asg: string): Promise<string[]> =>
  ((await world.aws.describeGroups([asg]))[0]?.instances ?? []).filter((i) => /^(Pending|InService)/.test(i.lifecycleState)).map((i) => i.instanceId).sort();

/** A spot instance no node runs on yet, registered as `name`. */
async function spotNode(world: AgentWorld, name: string): Promise<string> {
  const core = world.admin.makeApiClient(CoreV1Api);
  const registered = new Set((await core.listNode()).items.map((n) => n.spec?.providerID?.split('/').at(-1)));
  const instance = (await liveInstances(world, SPOT_ASG)).find((id) => !registered.has(id));
  assert.ok(instance, 'a spot instance with no node yet');
  await registerNode(world, name, instance);
  return instance;
}

/** Nodes a test deleted keep their instance here. */
const knownProviderIDs = new Map<string, string>();

/** The rebalance-response record of the instance of `node` as the API server has it. */
async function recordOf(world: AgentWorld, node: string): Promise<{ holder?: string; text?: string; record?: ResponseRecord } | undefined> {
  const core = world.admin.makeApiClient(CoreV1Api);
  const current = (await core.listNode()).items.find((n) => n.metadata?.name === node)?.spec?.providerID;
  if (current) knownProviderIDs.set(node, current);
  const providerID = current ?? knownProviderIDs.get(node) ?? '';
  try {
    const lease = await world.admin.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: responseLeaseName(providerID.split('/').at(-1) ?? ''), namespace: 'kube-system' });
    const text = lease.metadata?.annotations?.[RESPONSE_ANNOTATION];
    return { holder: lease.spec?.holderIdentity, text, record: parseRecord(text) };
  } catch {
    return undefined;
  }
}

test('spot does not come: the increment is withdrawn, on-demand comes, the event is recorded, and the node is tainted only once the replacement is Ready', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  const original = await liveInstances(world, SPOT_ASG);
  startAgent(ctx, 'spot-node-0', aemm);

  await waitFor('the spot ASG scaled first, by one', async () => (await desired(world))[SPOT_ASG] === SPOT_START + 1);
  const recorded = await recordOf(world, 'spot-node-0');
  assert.is(recorded?.record?.step, 'spot', 'the response is recorded in the API server before capacity changes');
  assert.equal([...(recorded?.record?.baselines[SPOT_ASG]?.instances ?? [])].sort(), original, 'with what the spot ASG had before');
  const isProtected = async () => {
    const node = await core.readNode({ name: 'spot-node-0' });
    return !!node.spec?.unschedulable || !!node.spec?.taints?.some((t) => t.key === REBALANCE_TAINT.key);
  };
  assert.not.ok(await isProtected(), 'no taint while the replacement is only asked for');

  // No node ever registers for the new spot instance: after the capacity timeout the agent
  // withdraws its increment and falls back.
  await waitFor('the increment withdrawn and on-demand raised 0 → 1', async () => {
    const d = await desired(world);
    return d[SPOT_ASG] === SPOT_START && d[ON_DEMAND_ASG] === 1;
  }, 60_000);
  assert.equal(await liveInstances(world, SPOT_ASG), original, 'the withdraw took back the instance launched for it, not one the ASG picked');
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
  assert.equal(await desired(world), { [SPOT_ASG]: SPOT_START, [ON_DEMAND_ASG]: 1 }, 'exactly one replacement');
  const kept = await recordOf(world, 'spot-node-0');
  assert.is(kept?.record?.step, 'protected', 'the record stays while the interruption may still come');
  assert.is(kept?.record?.event, event.metadata?.name);
});

test('a spot interruption notice drains the node at once', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  await spotNode(world, 'spot-node-x');
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
    await spotNode(world, 'spot-node-m');
    const metrics = new AgentMetrics();
    const events = new EventRecorder(world.agentKubeConfig(), { podName: 'spot-guard-spot-node-m', nodeName: 'spot-node-m' }, quietLog());
    const aemm = await startAemm({ rebalanceDelaySec: 1 });
    ctx.aemms.push(aemm);
    const agent = startAgent(ctx, 'spot-node-m', aemm, { metrics, events });

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
    // Its on-demand instance never registers: the response would claim the next tests' instances.
    await agent.stop({ release: false });
  } finally {
    await maxSize(SPOT_ASG, 50);
    await maxSize(ON_DEMAND_ASG, 50);
    admin.destroy();
  }
});

// ---- the response outlives its agent and its node (issue 13) ----

test('an interruption while spot is awaited: the drained at-risk instance goes with the decrement, the spot launch stays as its replacement, and the record is finished', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  const atRisk = await spotNode(world, 'spot-node-i');
  const before = await desired(world);
  const aemm = await startAemm({ rebalanceDelaySec: 1, interruptionDelaySec: 8 });
  ctx.aemms.push(aemm);
  // Spot never becomes a Ready node here, and the wait for it outlasts the interruption.
  startAgent(ctx, 'spot-node-i', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '10m' } });
  await waitFor('the spot increment made', async () => (await desired(world))[SPOT_ASG] === (before[SPOT_ASG] ?? 0) + 1);
  const raised = await liveInstances(world, SPOT_ASG);

  await waitFor('the record finished', async () => (await recordOf(world, 'spot-node-i'))?.text === '', 60_000);
  assert.equal(await desired(world), before, 'both ASGs back where they started');
  const after = await liveInstances(world, SPOT_ASG);
  assert.not.ok(after.includes(atRisk), 'the interrupted instance went with the decrement');
  assert.equal(after, raised.filter((id) => id !== atRisk), 'the instance launched for the increment stays as its replacement');
  const node = await core.readNode({ name: 'spot-node-i' });
  assert.ok(node.spec?.unschedulable, 'the at-risk node was drained first');
});

test('a restarted agent takes up its node\'s response from the record: nothing is raised twice, and the fallback goes on', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  await spotNode(world, 'spot-node-r');
  const before = await desired(world);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  const settings = { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '15s' };
  const first = startAgent(ctx, 'spot-node-r', aemm, { settings });
  await waitFor('the spot increment made', async () => (await desired(world))[SPOT_ASG] === (before[SPOT_ASG] ?? 0) + 1);
  const recorded = await waitFor('the record', async () => (await recordOf(world, 'spot-node-r'))?.record);
  // The agent dies where it stands (no release, nothing cleaned up); the DaemonSet starts another.
  await first.stop({ release: false });
  startAgent(ctx, 'spot-node-r', aemm, { settings, podName: 'spot-guard-spot-node-r-restarted' });
  await waitFor('the restarted agent holds the record', async () => (await recordOf(world, 'spot-node-r'))?.holder === 'spot-guard-spot-node-r-restarted');
  assert.is((await desired(world))[SPOT_ASG], (before[SPOT_ASG] ?? 0) + 1, 'the spot increment is not made again');

  await waitFor('spot taken back and on-demand raised', async () => {
    const d = await desired(world);
    return d[SPOT_ASG] === before[SPOT_ASG] && d[ON_DEMAND_ASG] === (before[ON_DEMAND_ASG] ?? 0) + 1;
  }, 60_000);
  const record = await recordOf(world, 'spot-node-r');
  assert.is(record?.record?.requestId, recorded.requestId, 'the same response, not a new one');
  assert.is(record?.record?.startedAt, recorded.startedAt, 'its times kept');
  const fresh = (await liveInstances(world, ON_DEMAND_ASG)).filter((id) => !(record?.record?.baselines[ON_DEMAND_ASG]?.instances ?? []).includes(id));
  assert.is(fresh.length, 1);
  await registerNode(world, 'od-node-r', fresh[0] ?? '');
  const store = new FallbackEventStore(world.admin);
  const event = await waitFor('the fallback recorded for this request', async () =>
    (await store.list()).items.find((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION] === recorded.requestId),
  );
  assert.is(event.spec.onDemandInstanceID, fresh[0]);
  await waitFor('spot-node-r tainted and cordoned', async () => !!(await core.readNode({ name: 'spot-node-r' })).spec?.unschedulable, 60_000);
});

test('a node gone with its agent in the middle of the response: another agent finishes it from the record', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  await spotNode(world, 'spot-node-g');
  const before = await desired(world);
  // An agent on another node, which answers no notices of its own.
  startAgent(ctx, 'spot-node-1', undefined);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  const doomed = startAgent(ctx, 'spot-node-g', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '3s' } });
  await waitFor('on-demand raised', async () => (await desired(world))[ON_DEMAND_ASG] === (before[ON_DEMAND_ASG] ?? 0) + 1, 60_000);
  const { record } = (await recordOf(world, 'spot-node-g')) ?? {};
  assert.is(record?.step, 'on-demand');
  // The agent and its node are gone before the on-demand instance registered.
  await doomed.stop({ release: false });
  await core.deleteNode({ name: 'spot-node-g' });

  const fresh = (await liveInstances(world, ON_DEMAND_ASG)).filter((id) => !(record?.baselines[ON_DEMAND_ASG]?.instances ?? []).includes(id));
  assert.is(fresh.length, 1);
  await registerNode(world, 'od-node-g', fresh[0] ?? '');
  const store = new FallbackEventStore(world.admin);
  const event = await waitFor('the other agent recorded the on-demand instance', async () =>
    (await store.list()).items.find((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION] === record?.requestId),
  60_000);
  assert.is(event.spec.onDemandInstanceID, fresh[0]);
  // Finished, and then gone with its node (the garbage collector follows the owner reference).
  await waitFor('the record finished', async () => ((await recordOf(world, 'spot-node-g'))?.text ?? '') === '', 30_000);
  assert.equal(await desired(world), { ...before, [ON_DEMAND_ASG]: (before[ON_DEMAND_ASG] ?? 0) + 1 }, 'spot back where it started; on-demand kept, on record for its scale-down');
});

test('an interruption after the fallback is recorded and before the taint: the node is drained, the event stands, spot is back where it started, the record finished', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  await spotNode(world, 'spot-node-k');
  const before = await desired(world);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-k', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '3s' } });
  await waitFor('on-demand raised', async () => (await desired(world))[ON_DEMAND_ASG] === (before[ON_DEMAND_ASG] ?? 0) + 1, 60_000);
  const { record } = (await recordOf(world, 'spot-node-k')) ?? {};
  const fresh = (await liveInstances(world, ON_DEMAND_ASG)).filter((id) => !(record?.baselines[ON_DEMAND_ASG]?.instances ?? []).includes(id));
  // Registered but never Ready: the response waits in AwaitingReady with its event recorded.
  await registerNode(world, 'od-node-k', fresh[0] ?? '', { ready: false });
  const store = new FallbackEventStore(world.admin);
  const mine = async () => (await store.list()).items.find((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION] === record?.requestId);
  await waitFor('the fallback recorded', mine);
  // The record's step follows the event's creation (the event first, then the record says so).
  await waitFor('the record at step recorded', async () => (await recordOf(world, 'spot-node-k'))?.record?.step === 'recorded', 30_000);
  assert.not.ok((await core.readNode({ name: 'spot-node-k' })).spec?.unschedulable, 'not tainted yet: the replacement is not Ready');

  // The interruption notice, served from the same address as before.
  const port = Number(new URL(aemm.url).port);
  await aemm.stop();
  const interrupting = await startAemm({ port, rebalanceDelaySec: 0, interruptionDelaySec: 0 });
  ctx.aemms.push(interrupting);
  await waitFor('the record finished', async () => (await recordOf(world, 'spot-node-k'))?.text === '', 60_000);
  assert.ok((await core.readNode({ name: 'spot-node-k' })).spec?.unschedulable, 'drained');
  assert.ok(await mine(), 'the event stands: its on-demand node replaces the interrupted one until spot is back');
  assert.equal(await desired(world), { ...before, [ON_DEMAND_ASG]: (before[ON_DEMAND_ASG] ?? 0) + 1 });
});

test('an interruption while the spot increment is in flight: whichever lands first, the spot ASG ends where it started and no serving instance goes', async (ctx) => {
  const { world } = ctx;
  const atRisk = await spotNode(world, 'spot-node-f');
  const before = await desired(world);
  const original = await liveInstances(world, SPOT_ASG);
  // Another agent holds the spot ASG's lock: the increment waits for it, in flight.
  const held = await holdLock(world, SPOT_ASG);
  const aemm = await startAemm({ rebalanceDelaySec: 1, interruptionDelaySec: 5 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-f', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '10m' } });
  await waitFor('the response interrupted with its increment still waiting', async () => (await recordOf(world, 'spot-node-f'))?.record?.step === 'interrupted', 60_000);
  assert.equal(await desired(world), before, 'nothing raised yet');
  // The lock comes free: the late increment and the finish's withdraw meet in either order.
  await held.release();
  await waitFor('the record finished', async () => (await recordOf(world, 'spot-node-f'))?.text === '', 60_000);
  // The increment gives up on the lock after a minute at most; by then it has landed or been refused.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await desired(world), before, 'both ASGs where they started');
  const after = await liveInstances(world, SPOT_ASG);
  assert.equal(original.filter((id) => id !== atRisk && !after.includes(id)), [], 'no instance but the interrupted one went');
});

test('an interruption after the on-demand scale-up, its instance never registering: spot and on-demand both taken back, the launch terminated', async (ctx) => {
  const { world } = ctx;
  await spotNode(world, 'spot-node-o');
  const before = await desired(world);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-o', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '3s', SPOT_GUARD_ON_DEMAND_TIMEOUT: '10s' } });
  await waitFor('on-demand raised', async () => (await desired(world))[ON_DEMAND_ASG] === (before[ON_DEMAND_ASG] ?? 0) + 1, 60_000);
  const { record } = (await recordOf(world, 'spot-node-o')) ?? {};
  assert.is(record?.step, 'on-demand');
  const fresh = (await liveInstances(world, ON_DEMAND_ASG)).filter((id) => !(record?.baselines[ON_DEMAND_ASG]?.instances ?? []).includes(id));
  assert.is(fresh.length, 1, 'moto launched it at once; no node ever registers for it');

  const port = Number(new URL(aemm.url).port);
  await aemm.stop();
  ctx.aemms.push(await startAemm({ port, rebalanceDelaySec: 0, interruptionDelaySec: 0 }));
  await waitFor('the record finished after the on-demand timeout', async () => (await recordOf(world, 'spot-node-o'))?.text === '', 60_000);
  assert.equal(await desired(world), before, 'both ASGs back where they started');
  assert.not.ok((await liveInstances(world, ON_DEMAND_ASG)).includes(fresh[0] ?? ''), 'the on-demand launch nobody recorded was terminated with the decrement');
  const store = new FallbackEventStore(world.admin);
  assert.not.ok((await store.list()).items.some((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION] === record?.requestId), 'and no event records it');
});

test('no interruption within the protection window after a spot replacement: the at-risk node is drained and its instance goes with the spot increment', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  const atRisk = await spotNode(world, 'spot-node-w');
  const before = await desired(world);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-w', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '10m', SPOT_GUARD_PROTECTION_WINDOW: '3s' } });
  const original = await liveInstances(world, SPOT_ASG);
  await waitFor('the spot increment made', async () => (await desired(world))[SPOT_ASG] === (before[SPOT_ASG] ?? 0) + 1);
  const [launched] = await waitFor('the spot launch', async () => {
    const fresh = (await liveInstances(world, SPOT_ASG)).filter((id) => !original.includes(id));
    return fresh.length > 0 ? fresh : undefined;
  });
  await registerNode(world, 'spot-repl-w', launched ?? '');
  await waitFor('spot-node-w protected', async () => !!(await core.readNode({ name: 'spot-node-w' })).spec?.unschedulable);

  await waitFor('the record finished', async () => (await recordOf(world, 'spot-node-w'))?.text === '', 60_000);
  assert.equal(await desired(world), before, 'the spot ASG back where it started');
  const after = await liveInstances(world, SPOT_ASG);
  assert.not.ok(after.includes(atRisk), 'the at-risk instance went with the decrement');
  assert.ok(after.includes(launched ?? ''), 'the replacement stays');
});

test('no interruption within the protection window after an on-demand replacement: the at-risk node serves again, the on-demand node stays on record', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  await spotNode(world, 'spot-node-v');
  const before = await desired(world);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  startAgent(ctx, 'spot-node-v', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '3s', SPOT_GUARD_PROTECTION_WINDOW: '3s' } });
  await waitFor('on-demand raised', async () => (await desired(world))[ON_DEMAND_ASG] === (before[ON_DEMAND_ASG] ?? 0) + 1, 60_000);
  const { record } = (await recordOf(world, 'spot-node-v')) ?? {};
  const fresh = (await liveInstances(world, ON_DEMAND_ASG)).filter((id) => !(record?.baselines[ON_DEMAND_ASG]?.instances ?? []).includes(id));
  await registerNode(world, 'od-node-v', fresh[0] ?? '');
  await waitFor('spot-node-v protected', async () => !!(await core.readNode({ name: 'spot-node-v' })).spec?.unschedulable, 60_000);

  await waitFor('the record finished', async () => (await recordOf(world, 'spot-node-v'))?.text === '', 60_000);
  const node = await core.readNode({ name: 'spot-node-v' });
  assert.not.ok(node.spec?.unschedulable, 'uncordoned');
  assert.not.ok(node.spec?.taints?.some((t) => t.key === REBALANCE_TAINT.key), 'untainted');
  assert.is(node.metadata?.annotations?.[REBALANCE_CORDONED_BY], undefined, 'and the mark of its cordon gone with it');
  assert.equal(await desired(world), { ...before, [ON_DEMAND_ASG]: (before[ON_DEMAND_ASG] ?? 0) + 1 }, 'the on-demand node stays until its event scales it down');
  const store = new FallbackEventStore(world.admin);
  assert.ok((await store.list()).items.some((e) => e.spec.onDemandInstanceID === fresh[0]), 'on record');
});

test('spot capacity that arrives while its increment is being withdrawn is kept as the replacement: no on-demand fallback', async (ctx) => {
  const { world } = ctx;
  const core = world.admin.makeApiClient(CoreV1Api);
  await spotNode(world, 'spot-node-l');
  const before = await desired(world);
  const original = await liveInstances(world, SPOT_ASG);
  const aemm = await startAemm({ rebalanceDelaySec: 1 });
  ctx.aemms.push(aemm);
  const agent = startAgent(ctx, 'spot-node-l', aemm, { settings: { SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '4s' } });
  await waitFor('the spot increment made', async () => (await desired(world))[SPOT_ASG] === (before[SPOT_ASG] ?? 0) + 1);
  const [launched] = (await liveInstances(world, SPOT_ASG)).filter((id) => !original.includes(id));
  assert.ok(launched, 'moto launched the increment at once');
  await registerNode(world, 'spot-repl-l', launched, { ready: false });
  // Someone else holds the spot ASG's lock: the withdrawal after the spot timeout waits for it.
  const held = await holdLock(world, SPOT_ASG);
  await waitFor('the withdrawal asked for', () => Promise.resolve(agent.responder?.actor.getSnapshot().matches({ Responding: { FallingBack: 'Withdrawing' } })), 30_000);
  await markReady(world, 'spot-repl-l');
  await held.release();

  await waitFor('spot-node-l protected', async () => !!(await core.readNode({ name: 'spot-node-l' })).spec?.unschedulable, 60_000);
  const record = await recordOf(world, 'spot-node-l');
  assert.equal(record?.record?.replacement, { kind: 'spot', instanceId: launched, nodeName: 'spot-repl-l' }, 'the late spot launch is the replacement');
  assert.equal(await desired(world), { ...before, [SPOT_ASG]: (before[SPOT_ASG] ?? 0) + 1 }, 'the increment kept, no on-demand instance asked for');
  assert.ok((await liveInstances(world, SPOT_ASG)).includes(launched), 'and its instance not terminated');
});

test('a finish that finds every instance launched for the increment serving keeps it: one Warning Event and a gauge at 1, taken back once it stops serving', async (ctx) => {
  const { world } = ctx;
  const kubeConfig = world.agentKubeConfig();
  const metrics = new AgentMetrics();
  const identity = { podName: 'spot-guard-finisher', nodeName: 'spot-node-2' };
  const locks = new AsgLeaseLocks(kubeConfig, { holderIdentity: identity.podName, namespace: 'kube-system' });
  const capacity = new LedgeredCapacity(locks, world.aws);
  const requestId = `spot-node-f@${new Date().toISOString()}`;
  const original = await liveInstances(world, SPOT_ASG);
  const start = (await desired(world))[SPOT_ASG] ?? 0;
  await capacity.increment(SPOT_ASG, requestId);
  const [launched] = (await liveInstances(world, SPOT_ASG)).filter((id) => !original.includes(id));
  assert.ok(launched);
  let views: NodeView[] = [{ name: 'spot-repl-f', instanceId: launched, ready: true }];
  const now = new Date().toISOString();
  const record: ResponseRecord = {
    requestId, node: 'spot-node-f', nodeUid: '', instanceId: original[0] ?? '', spotASG: SPOT_ASG, onDemandASG: ON_DEMAND_ASG,
    step: 'gave-up', startedAt: now, stepAt: now, baselines: { [SPOT_ASG]: { instances: original, activities: [], takenAt: now } },
  };
  const deps: FinisherDeps = {
    capacity, locks, autoscaling: world.aws, store: new FallbackEventStore(kubeConfig), nodeViews: () => views, now: Date.now, log: quietLog(),
    metrics, events: new EventRecorder(kubeConfig, identity, quietLog()), kept: new KeptIncrements(metrics),
    onDemandTimeoutMs: 60_000, minimumWaitDuration: '1h', dryRun: false,
  };
  const gauge = async () => new RegExp(`spot_guard_response_increments_kept\\{asg="${SPOT_ASG}"\\} (\\d+)`).exec(await metrics.metrics())?.[1];

  for (let i = 0; i < 3; i++) assert.is((await finishResponse(record, deps)).done, false, 'not finished while its instance serves');
  assert.is((await desired(world))[SPOT_ASG], start + 1, 'nothing terminated');
  assert.is(await gauge(), '1');
  const core = world.admin.makeApiClient(CoreV1Api);
  const kept = await waitFor('the Warning Event on the at-risk node', async () =>
    (await core.listNamespacedEvent({ namespace: 'default' })).items.find((e) => e.reason === 'IncrementKept' && e.involvedObject.name === 'spot-node-f'),
  );
  assert.is(kept.type, 'Warning');
  assert.is(kept.count ?? 1, 1, 'said once, not on every attempt');
  assert.match(kept.message ?? '', launched);

  views = [];
  assert.equal(await finishResponse(record, deps), { done: true });
  assert.is((await desired(world))[SPOT_ASG], start, 'taken back once it stopped serving');
  assert.not.ok((await liveInstances(world, SPOT_ASG)).includes(launched), 'with the instance launched for it');
  assert.is(await gauge(), '0');
});

/** Holds `asg`'s lock as another agent would (the ledger untouched) until released. */
async function holdLock(world: AgentWorld, asg: string): Promise<{ release(): Promise<void> }> {
  const api = world.admin.makeApiClient(CoordinationV1Api);
  const name = asgLeaseName(asg);
  const lease = await api.readNamespacedLease({ name, namespace: 'kube-system' });
  const taken = await api.replaceNamespacedLease({
    name, namespace: 'kube-system',
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'another-agent', leaseDurationSeconds: 3600, renewTime: new V1MicroTime(Date.now()) } },
  });
  return {
    release: async () => {
      const { holderIdentity: _, ...spec } = taken.spec ?? {};
      await api.replaceNamespacedLease({ name, namespace: 'kube-system', body: { ...taken, spec } });
    },
  };
}

test.run();
