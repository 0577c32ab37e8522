// No dead ends (issue 13, DESIGN.md invariants 4 and 9), with real agents under the shipped
// RBAC against a real API server: a scale-down step that fails in a way retrying can fix is
// retried with a capped exponential backoff for as long as it takes (here: TerminateInstance
// failing through an AWS outage, far past the five attempts that used to end the event Failed
// with its node cordoned and its instance billing); a failure retrying cannot fix rolls the node
// back (only what this event did) before the event fails; a deleted ASG fails the event and
// touches nothing. AWS is the project's simulator where faults are injected and instances moved
// between groups, moto where groups are deleted.
import { AutoScalingClient, DeleteAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FallbackEventSpec, FallbackEventStatus, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { startSimulator, type Simulator } from '../../dev/simulator/simulator.js';
import { Agent } from '../../runtime/agent/agent.js';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import type { AutoScalingPort } from '../../runtime/autoscaling.port.js';
import { EventRecorder } from '../../runtime/kube/events.recorder.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { SCALE_DOWN_CORDONED_BY, SCALE_DOWN_TAINT, SCALE_DOWN_TAINTED_BY } from '../../runtime/kube/nodes.port.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import {
  agentConfig,
  createAsgPair,
  credentials,
  loud,
  ON_DEMAND_ASG,
  quietLog,
  recordingAutoScaling,
  recordingNodes,
  REGION,
  registerNode,
  seedEventWithStatus,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
  type CallLog,
} from '../harness/agent-world.js';

interface Ctx {
  world: AgentWorld;
  core: CoreV1Api;
  store: FallbackEventStore;
  sim: Simulator;
  /** The real adapter against the simulator; one attempt per call, so an injected fault is seen at once. */
  simAws: AwsAutoScaling;
}
const test = suite<Ctx>('no dead ends in the scale-down');

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    ctx.core = ctx.world.admin.makeApiClient(CoreV1Api);
    ctx.store = new FallbackEventStore(ctx.world.admin);
    ctx.sim = await startSimulator();
    ctx.simAws = new AwsAutoScaling({ region: REGION, endpoint: ctx.sim.endpoint, credentials, maxAttempts: 1 });
    // Room for what an on-demand node holds, so the safety checks pass.
    await registerNode(ctx.world, 'spare-1', 'i-0aaaaaaaaaaaaaaa1');
    await registerNode(ctx.world, 'spare-2', 'i-0aaaaaaaaaaaaaaa2');
  }),
);
test.after(async (ctx) => {
  ctx.simAws?.destroy();
  await ctx.sim?.stop();
  await ctx.world?.stop();
});

/**
 * A fresh pair in the simulator, one instance each, both with a Ready node: spot is healthy, so
 * an event stays ready for scale-down. Returns the on-demand instance.
 */
async function simulatedPair({ world, sim, simAws }: Ctx, node: string): Promise<string> {
  await sim.control.reset();
  await sim.control.createGroup({ name: SPOT_ASG, capacityType: 'spot', minSize: 0, maxSize: 10, desiredCapacity: 1 });
  await sim.control.createGroup({ name: ON_DEMAND_ASG, capacityType: 'on-demand', minSize: 0, maxSize: 10, desiredCapacity: 1 });
  const inService = async (asg: string) => waitFor(`an instance of ${asg} InService`, async () => (await simAws.describeGroups([asg]))[0]?.instances.find((i) => i.lifecycleState === 'InService')?.instanceId);
  await registerNode(world, `${node}-spot`, await inService(SPOT_ASG));
  const instanceId = await inService(ON_DEMAND_ASG);
  await registerNode(world, node, instanceId);
  return instanceId;
}

const long = (): string => new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Running {
  agent: Agent;
  metrics: AgentMetrics;
  calls: CallLog;
}

/** One agent under the shipped RBAC, with the Kubernetes Events and metrics the DaemonSet's agent has. */
function startAgent(world: AgentWorld, aws: AutoScalingPort, settings: Record<string, string>): Running {
  const kubeConfig = world.agentKubeConfig();
  const calls: CallLog = [];
  const metrics = new AgentMetrics();
  const identity = { podName: 'spot-guard-b', nodeName: 'spare-1' };
  const agent = new Agent({
    identity,
    // placePod's pods declare no controller: the drain takes them as kubectl drain --force would.
    config: agentConfig({ SPOT_GUARD_DRAIN_FORCE: 'true', ...settings }),
    kubeConfig,
    autoscaling: recordingAutoScaling(aws, 'b', calls),
    nodes: recordingNodes(new KubeNodes(kubeConfig), 'b', calls),
    log: quietLog(),
    metrics,
    events: new EventRecorder(kubeConfig, identity, quietLog()),
  });
  agent.start();
  return { agent, metrics, calls };
}

/** An event ready for scale-down: spot restored long ago, the checks are all that is left. */
function readyForScaleDown(store: FallbackEventStore, spec: Pick<FallbackEventSpec, 'onDemandInstanceID' | 'onDemandNodeName'>): Promise<SpotGuardFallbackEvent> {
  return seedEventWithStatus(
    store,
    { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, timestamp: long(), minimumWaitDuration: '0s', ...spec },
    { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: long(), message: 'spot restored' },
  );
}

/** Follows the event, failing at once if it reaches a phase `never` names. */
async function waitForStatus(store: FallbackEventStore, name: string, what: string, done: (s: FallbackEventStatus) => boolean, never: string[] = [], timeoutMs = 120_000): Promise<SpotGuardFallbackEvent> {
  const deadline = Date.now() + timeoutMs;
  let last: FallbackEventStatus | undefined;
  for (;;) {
    const e = await store.get(name).catch(() => undefined);
    last = e?.status ?? last;
    if (last?.phase && never.includes(last.phase)) throw new Error(`${name} reached ${last.phase} while waiting for ${what}: ${last.message ?? ''}`);
    if (e && last && done(last)) return e;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${name}: ${what} (last status ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function eventsOf(core: CoreV1Api, kind: string, name: string, namespace: string): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
  return list.items;
}

async function nodeState(core: CoreV1Api, name: string): Promise<{ tainted: boolean; cordoned: boolean; marks: string[] }> {
  const node = await core.readNode({ name });
  return {
    tainted: !!node.spec?.taints?.some((t) => t.key === SCALE_DOWN_TAINT.key),
    cordoned: node.spec?.unschedulable === true,
    marks: Object.keys(node.metadata?.annotations ?? {}).filter((k) => k === SCALE_DOWN_TAINTED_BY || k === SCALE_DOWN_CORDONED_BY).sort(),
  };
}

const metric = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
};

test('terminate through an AWS outage: retried with backoff far past the old five attempts, never Failed, done once AWS is back', async (ctx) => {
  const { world, core, store, sim, simAws: aws } = ctx;
  let running: Running | undefined;
  try {
    const instanceId = await simulatedPair(ctx, 'od-outage');
    // AWS answers every TerminateInstanceInAutoScalingGroup with a 503 until the outage ends.
    await sim.control.injectFault({ action: 'TerminateInstanceInAutoScalingGroup', error: 'ServiceUnavailable', rate: 1 });
    // Retries 1 s apart, doubling to a 4 s cap; a person is asked to look from the third attempt.
    running = startAgent(world, aws, { SPOT_GUARD_STEP_RETRY_MAX_BACKOFF: '4s', SPOT_GUARD_MAX_STEP_ATTEMPTS: '3' });
    const name = (await readyForScaleDown(store, { onDemandInstanceID: instanceId, onDemandNodeName: 'od-outage' })).metadata?.name ?? '';

    // Eight failed attempts (the old limit was five), the event in ScalingDown all along.
    const outage = await waitForStatus(store, name, 'terminate failed 8 times', (s) => (s.scaleDown?.terminate?.attempts ?? 0) >= 8, ['Failed', 'Completed']);
    const status = outage.status ?? {};
    assert.is(status.phase, 'ScalingDown');
    const retrying = status.conditions?.find((c) => c.type === 'StepRetrying');
    assert.equal([retrying?.status, retrying?.reason], ['True', 'Unavailable']);
    assert.match(retrying?.message ?? '', /^step terminate failed \d+ times in a row \(Unavailable\), next attempt at .*; needs attention/);
    // The deadline is data: whichever agent holds the claim waits for it.
    const next = Date.parse(status.scaleDown?.terminate?.nextAttemptAt ?? '');
    assert.ok(next > Date.now() - 60_000 && next <= Date.now() + 4_000 + 2_000, `next attempt at ${status.scaleDown?.terminate?.nextAttemptAt}, within the 4 s cap`);
    assert.equal(await nodeState(core, 'od-outage'), { tainted: true, cordoned: true, marks: [SCALE_DOWN_TAINTED_BY, SCALE_DOWN_CORDONED_BY].sort() }, 'mid scale-down, marked as this event\'s');

    // What an alert and an operator see meanwhile.
    const text = await running.metrics.metrics();
    assert.ok(metric(text, 'spot_guard_scale_down_step_failures_total{step="terminate",code="Unavailable",retryable="true"}') >= 8, 'failures counted by step and code');
    assert.is(metric(text, 'spot_guard_scale_down_steps_needing_attention{step="terminate"}'), 1);
    assert.is(metric(text, 'spot_guard_scale_down_steps_retrying{step="terminate"}'), 1);
    const warnings = await waitFor('the Warning Events of the retries', async () => {
      const list = (await eventsOf(core, 'SpotGuardFallbackEvent', name, 'kube-system')).filter((e) => e.type === 'Warning');
      return list.some((e) => e.reason === 'ScaleDownStepNeedsAttention') ? list : undefined;
    }, 30_000);
    assert.ok(warnings.some((e) => e.reason === 'ScaleDownStepRetrying'), 'the first attempts are reported as retried');
    assert.ok(warnings.every((e) => e.reason !== 'Failed'));

    // The outage ends: the next attempt terminates exactly that instance, once.
    await sim.control.clearFaults();
    const done = await waitForStatus(store, name, 'Completed', (s) => s.phase === 'Completed', ['Failed']);
    assert.ok((done.status?.scaleDown?.terminate?.attempts ?? 0) >= 9);
    assert.equal([done.status?.conditions?.find((c) => c.type === 'StepRetrying')?.status, done.status?.conditions?.find((c) => c.type === 'StepRetrying')?.reason], ['False', 'Succeeded']);
    const terminated = (await aws.describeActivities(ON_DEMAND_ASG, 100)).map((a) => /^Terminating EC2 instance: (i-\w+)/.exec(a.description)?.[1]).filter(Boolean);
    assert.equal(terminated, [instanceId], 'the recorded instance, terminated once');
    assert.is((await aws.describeGroups([ON_DEMAND_ASG]))[0]?.desired, 0);
    await waitFor('the gauges back to 0', async () => {
      const t = await running?.metrics.metrics();
      return t !== undefined && metric(t, 'spot_guard_scale_down_steps_retrying{step="terminate"}') === 0;
    }, 10_000);
    await store.delete(name);
  } finally {
    await running?.agent.stop({ release: false });
    await sim.control.clearFaults();
  }
});

/**
 * The real AWS adapter, except that the first time the instance is asked about once the node
 * carries the scale-down taint (that is, by the terminate step: the checks and the taint step
 * ask before), `move` runs first. The instance really moves in the simulator, as an operator's
 * DetachInstances and AttachInstances would move it; only the moment is chosen.
 */
function movingBeforeTerminate(port: AutoScalingPort, core: CoreV1Api, node: string, move: (instanceId: string) => Promise<unknown>): AutoScalingPort {
  let moved = false;
  // Written out: the adapter is a class, whose methods a spread would not copy.
  return {
    describeGroups: (names) => port.describeGroups(names),
    describeActivities: (name, max) => port.describeActivities(name, max),
    setDesiredCapacity: (name, desired) => port.setDesiredCapacity(name, desired),
    terminateInstance: (id) => port.terminateInstance(id),
    describeInstance: async (id) => {
      if (!moved && (await nodeState(core, node)).tainted) {
        moved = true;
        await move(id);
      }
      return port.describeInstance(id);
    },
  };
}

/** A scale-down whose instance moves to another ASG after the taint and cordon, before the terminate. */
async function scaleDownThenFail(ctx: Ctx, node: string, to: string, before?: () => Promise<void>): Promise<{ final: SpotGuardFallbackEvent; running: Running; instanceId: string }> {
  const { core, store, sim, simAws } = ctx;
  const instanceId = await simulatedPair(ctx, node);
  await sim.control.createGroup({ name: to, capacityType: 'on-demand', minSize: 0, maxSize: 5, desiredCapacity: 0 });
  await before?.();
  const running = startAgent(ctx.world, movingBeforeTerminate(simAws, core, node, (id) => sim.control.moveInstance(id, to)), {});
  try {
    const name = (await readyForScaleDown(store, { onDemandInstanceID: instanceId, onDemandNodeName: node })).metadata?.name ?? '';
    const final = await waitForStatus(store, name, 'Failed', (s) => s.phase === 'Failed', ['Completed']);
    assert.ok(final.status?.scaleDown?.drain?.completedAt, 'the scale-down had drained the node before it failed');
    return { final, running, instanceId };
  } catch (err) {
    await running.agent.stop({ release: false });
    throw err;
  }
}

test('a final failure (the instance moved to another ASG before terminate) rolls the node back: untainted, uncordoned, rollback recorded', async (ctx) => {
  const { core, store, simAws } = ctx;
  const { final, running, instanceId } = await scaleDownThenFail(ctx, 'od-moved', 'someone-elses-asg');
  try {
    const status = final.status ?? {};
    assert.match(status.message ?? '', /^scale-down step terminate failed: instance i-\w+ belongs to ASG someone-elses-asg, not the on-demand ASG my-ondemand-asg; removed the scale-down taint spot-guard\.aws\.amazon\.com\/scale-down from node od-moved and uncordoned it$/);
    assert.equal(await nodeState(core, 'od-moved'), { tainted: false, cordoned: false, marks: [] }, 'nothing Spot Guard did is left on the node');
    const rollback = status.scaleDown?.rollback;
    assert.ok(rollback?.completedAt, 'the rollback is recorded');
    assert.equal([rollback?.untainted, rollback?.uncordoned, rollback?.by], [true, true, 'spot-guard-b']);
    const rolled = status.conditions?.find((c) => c.type === 'RolledBack');
    assert.equal([rolled?.status, rolled?.reason], ['True', 'NodeRestored']);
    assert.not.ok(running.calls.some((c) => c.call === 'terminateInstance'), 'the instance of another group was not terminated');
    assert.ok((await simAws.describeGroups(['someone-elses-asg']))[0]?.instances.some((i) => i.instanceId === instanceId && i.lifecycleState === 'InService'), 'the instance runs on in its new group');
    const onNode = await waitFor('the NodeRestored Event on the node', async () => {
      const list = await eventsOf(core, 'Node', 'od-moved', 'default');
      return list.some((e) => e.reason === 'NodeRestored') ? list : undefined;
    }, 30_000);
    assert.match(onNode.find((e) => e.reason === 'NodeRestored')?.message ?? '', /od-moved/);
    assert.is(metric(await running.metrics.metrics(), 'spot_guard_failed_events_total{cause="ScaleDownFailed"}'), 1);
    await store.delete(final.metadata?.name ?? '');
  } finally {
    await running.agent.stop({ release: false });
  }
});

test('a node an operator had cordoned before the scale-down stays cordoned after the rollback; only the taint goes', async (ctx) => {
  const { core, store, world } = ctx;
  const { final, running } = await scaleDownThenFail(ctx, 'od-operator', 'other-team-asg', async () => {
    await new KubeNodes(world.admin).cordon('od-operator');
  });
  try {
    assert.is(final.status?.phase, 'Failed');
    assert.equal(await nodeState(core, 'od-operator'), { tainted: false, cordoned: true, marks: [] }, 'the operator\'s cordon is theirs to lift');
    assert.equal([final.status?.scaleDown?.rollback?.untainted, final.status?.scaleDown?.rollback?.uncordoned], [true, false]);
    await store.delete(final.metadata?.name ?? '');
  } finally {
    await running.agent.stop({ release: false });
  }
});

test('an untrusted event in ScalingDown rolls back nothing of a node it merely names', async ({ world, core, store }) => {
  await createAsgPair(world.moto, 1, 1);
  const groups = await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]);
  const spotInstance = groups.find((g) => g.name === SPOT_ASG)?.instances[0]?.instanceId ?? '';
  // Another event's scale-down is under way on this node: its taint and cordon carry its uid.
  await registerNode(world, 'od-named', spotInstance);
  const nodes = new KubeNodes(world.admin);
  await nodes.taint('od-named', SCALE_DOWN_TAINT, { key: SCALE_DOWN_TAINTED_BY, value: 'uid-of-the-real-event' });
  await nodes.cordon('od-named', { key: SCALE_DOWN_CORDONED_BY, value: 'uid-of-the-real-event' });
  const running = startAgent(world, world.aws, {});
  try {
    // Forged: its instance is a spot instance, yet it claims a scale-down already under way.
    const forged = await seedEventWithStatus(
      store,
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: spotInstance, onDemandNodeName: 'od-named', timestamp: long(), minimumWaitDuration: '0s' },
      { phase: 'ScalingDown', spotCapacityRestored: true, scaleDownInitiated: true, scaleDown: { startedAt: long() } },
    );
    const name = forged.metadata?.name ?? '';
    const final = await waitForStatus(store, name, 'Failed', (s) => s.phase === 'Failed', ['Completed']);
    assert.match(final.status?.message ?? '', /belongs to ASG my-spot-asg, not the on-demand ASG my-ondemand-asg; nothing of this event to undo on node od-named$/);
    assert.equal([final.status?.conditions?.find((c) => c.type === 'RolledBack')?.reason], ['NothingToUndo']);
    assert.equal(await nodeState(core, 'od-named'), { tainted: true, cordoned: true, marks: [SCALE_DOWN_TAINTED_BY, SCALE_DOWN_CORDONED_BY].sort() }, 'the other event\'s work is untouched');
    assert.equal(running.calls.filter((c) => !c.call.startsWith('describe')).map((c) => `${c.call} ${c.arg}`), ['untaint od-named spot-guard.aws.amazon.com/scale-down', 'uncordon od-named'], 'only the mark-checked rollback was asked, and it changed nothing');
    await store.delete(name);
  } finally {
    await running.agent.stop({ release: false });
  }
});

for (const which of ['spot', 'on-demand'] as const) {
  test(`a deleted ${which} ASG fails the Monitoring event, naming it, and nothing is touched`, async ({ world, core, store }) => {
    // The spot instance has no node: spot is not healthy, so the event stays in Monitoring.
    await createAsgPair(world.moto, 1, 1);
    const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
    const instanceId = od?.instances[0]?.instanceId ?? '';
    const node = `od-${which}-deleted`;
    await registerNode(world, node, instanceId);
    const running = startAgent(world, world.aws, {});
    try {
      const event = await seedEventWithStatus(
        store,
        { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: node, timestamp: long(), minimumWaitDuration: '0s' },
        { phase: 'Monitoring', message: 'monitoring spot ASG health' },
      );
      const name = event.metadata?.name ?? '';
      await waitForStatus(store, name, 'spot health observed by the holder', (s) => !!s.spotHealth, ['Failed']);
      const deleted = which === 'spot' ? SPOT_ASG : ON_DEMAND_ASG;
      const admin = new AutoScalingClient({ region: REGION, endpoint: world.moto.endpoint, credentials });
      await admin.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: deleted, ForceDelete: true })).finally(() => admin.destroy());
      const final = await waitForStatus(store, name, 'Failed', (s) => s.phase === 'Failed', ['ReadyForScaleDown', 'ScalingDown', 'Completed'], 60_000);
      assert.match(final.status?.message ?? '', new RegExp(`^${which} ASG ${deleted} no longer exists: DescribeAutoScalingGroups returned no such group 3 times in a row; nothing was changed`));
      const found = final.status?.conditions?.find((c) => c.type === 'AsgFound');
      assert.equal([found?.status, found?.reason], ['False', 'AsgNotFound']);
      assert.equal(running.calls.filter((c) => !c.call.startsWith('describe')), [], 'no AWS or node change was made');
      assert.equal(await nodeState(core, node), { tainted: false, cordoned: false, marks: [] });
      const warnings = await eventsOf(core, 'SpotGuardFallbackEvent', name, 'kube-system');
      assert.ok(warnings.some((e) => e.reason === 'AsgNotFound' && e.type === 'Warning' && e.message?.includes(deleted)), 'a Warning Event names the missing ASG');
      assert.ok(warnings.some((e) => e.reason === 'Failed' && e.type === 'Warning'));
      assert.is(metric(await running.metrics.metrics(), 'spot_guard_failed_events_total{cause="AsgNotFound"}'), 1);
      await store.delete(name);
    } finally {
      await running.agent.stop({ release: false });
    }
  });
}

test.run();
