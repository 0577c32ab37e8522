// Invariant 4, no stuck events: the claim holder dies at each scale-down step in turn, right
// after it did the step's work and before it could record it, and another agent takes the
// event over once the claim's lease has run out and finishes it. Every step is idempotent, so
// nothing is done twice that matters: one terminate per event, of the recorded instance.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCALE_DOWN_STEPS, type ScaleDownStepName } from '../../crds/phases.js';
import { Agent } from '../../runtime/agent/agent.js';
import type { AutoScalingPort } from '../../runtime/autoscaling.port.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import type { NodePort } from '../../runtime/kube/nodes.port.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
  loud,
  ON_DEMAND_ASG,
  placePod,
  quietLog,
  recordingAutoScaling,
  recordingNodes,
  registerNode,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  seedEventWithStatus,
  type AgentWorld,
  type CallLog,
} from '../harness/agent-world.js';

interface Ctx {
  world: AgentWorld;
}
const test = suite<Ctx>('takeover when the claim holder dies mid scale-down');
const LEASE = '5s';

test.before(
  loud(async (ctx) => {
    // KWOK plays the kubelet: an evicted pod is gone once its grace period is over.
    ctx.world = await startAgentWorld({ withKubelets: true });
    await createAsgPairWithSpotNodes(ctx.world, 3, 0);
  }),
);
test.after(async (ctx) => {
  await ctx.world?.stop();
});

/** The port call that does each step's work. */
const WORK: Record<ScaleDownStepName, string> = { taint: 'taint', cordon: 'cordon', drain: 'drain', waitForReschedule: 'remainingPods', terminate: 'terminateInstance' };

/**
 * Ports that do the real call for `step` and then never answer, calling `die` instead: the
 * agent's work landed, its record of it never will.
 */
function dyingAt(step: ScaleDownStepName, nodes: NodePort, aws: AutoScalingPort, die: () => void): { nodes: NodePort; aws: AutoScalingPort } {
  const hang = <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>): ((...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await call(...args);
      if (WORK[step] !== name) return result;
      die();
      return new Promise<R>(() => undefined);
    };
  return {
    nodes: {
      ...nodes,
      taint: hang('taint', (name, taint, mark) => nodes.taint(name, taint, mark)),
      cordon: hang('cordon', (name, mark) => nodes.cordon(name, mark)),
      drain: hang('drain', (name, options) => nodes.drain(name, options)),
      remainingPods: hang('remainingPods', (name) => nodes.remainingPods(name)),
    },
    aws: { ...aws, terminateInstance: hang('terminateInstance', (id) => aws.terminateInstance(id)) },
  };
}

for (const [index, step] of SCALE_DOWN_STEPS.entries()) {
  test(`the holder dies after the ${step} step's work; another agent finishes the event`, async ({ world }) => {
    const store = new FallbackEventStore(world.admin);
    const calls: CallLog = [];
    // placePod's pods declare no controller: the drain takes them as kubectl drain --force would.
    const config = agentConfig({ SPOT_GUARD_CLAIM_LEASE: LEASE, SPOT_GUARD_DRAIN_FORCE: 'true' });
    await world.aws.setDesiredCapacity(ON_DEMAND_ASG, 1);
    const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
    const instanceId = od?.instances.find((i) => i.lifecycleState === 'InService')?.instanceId ?? '';
    const nodeName = `od-${step.toLowerCase()}`;
    await registerNode(world, nodeName, instanceId);
    await placePod(world, `web-${step.toLowerCase()}`, nodeName);

    // Agent A alone first, so it wins the claim; it dies at the step.
    const kcA = world.agentKubeConfig();
    let died = false;
    const agentA: { agent?: Agent } = {};
    const dying = dyingAt(step, recordingNodes(new KubeNodes(kcA), 'a', calls), recordingAutoScaling(world.aws, 'a', calls), () => {
      died = true;
      void agentA.agent?.stop({ release: false });
    });
    agentA.agent = new Agent({ identity: { podName: 'spot-guard-a', nodeName: 'spot-node-0' }, config, kubeConfig: kcA, autoscaling: dying.aws, nodes: dying.nodes, log: quietLog() });
    agentA.agent.start();
    const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = await seedEventWithStatus(
      store,
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: nodeName, timestamp: long, minimumWaitDuration: '0s' },
      { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: long, message: 'spot restored' },
    );
    const name = event.metadata?.name ?? '';
    await waitFor(`agent A to die at ${step}`, () => died, 60_000);
    const atDeath = await store.get(name);
    assert.is(atDeath?.status?.claim?.holder, 'spot-guard-a', 'A held the claim when it died');
    assert.not.ok(atDeath?.status?.scaleDown?.[step]?.completedAt, `A never recorded ${step}`);

    // Agent B comes up and must wait out A's lease before it takes over.
    const kcB = world.agentKubeConfig();
    const agentB = new Agent({
      identity: { podName: 'spot-guard-b', nodeName: 'spot-node-1' },
      config,
      kubeConfig: kcB,
      autoscaling: recordingAutoScaling(world.aws, 'b', calls),
      nodes: recordingNodes(new KubeNodes(kcB), 'b', calls),
      log: quietLog(),
    });
    agentB.start();
    let last: unknown;
    try {
      const done = await waitFor(() => `${name} Completed by B (last status ${JSON.stringify(last)})`, async () => {
        const e = await store.get(name);
        last = e?.status;
        if (e?.status?.phase === 'Failed') throw new Error(`event Failed: ${e.status.message}`);
        return e?.status?.phase === 'Completed' ? e : undefined;
      }, 120_000);
      const progress = done.status?.scaleDown ?? {};
      for (const [i, s] of SCALE_DOWN_STEPS.entries()) {
        assert.is(progress[s]?.by, i < index ? 'spot-guard-a' : 'spot-guard-b', `step ${s} recorded by ${progress[s]?.by}`);
      }
      const terminates = calls.filter((c) => c.call === 'terminateInstance');
      assert.equal(terminates.map((c) => `${c.who} ${c.arg}`), [`${step === 'terminate' ? 'a' : 'b'} ${instanceId}`], 'one terminate of the recorded instance');
      const [after] = await world.aws.describeGroups([ON_DEMAND_ASG]);
      assert.is(after?.desired, 0, 'on-demand desired capacity back to 0');
    } finally {
      await agentB.stop({ release: false });
      await store.delete(name);
    }
  });
}

test('the holder dies in Monitoring; another agent reads its lapsed claim Lease, takes the event over and finishes it', async ({ world }) => {
  const store = new FallbackEventStore(world.admin);
  await world.aws.setDesiredCapacity(ON_DEMAND_ASG, 1);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances.find((i) => i.lifecycleState === 'InService')?.instanceId ?? '';
  const nodeName = 'od-monitoring';
  await registerNode(world, nodeName, instanceId);
  // A waits out a stability window of an hour: it holds the event in Monitoring until it dies.
  const kcA = world.agentKubeConfig();
  const agentA = new Agent({ identity: { podName: 'spot-guard-a', nodeName: 'spot-node-0' }, config: agentConfig({ SPOT_GUARD_CLAIM_LEASE: LEASE, SPOT_GUARD_SPOT_STABILITY_WINDOW: '1h' }), kubeConfig: kcA, autoscaling: world.aws, log: quietLog() });
  agentA.start();
  const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const event = await store.create({ spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: nodeName, timestamp: long, minimumWaitDuration: '0s' });
  const name = event.metadata?.name ?? '';
  let agentB: Agent | undefined;
  try {
    const held = await waitFor(`${name} in Monitoring, held by A, with the health A saw`, async () => {
      const e = await store.get(name);
      return e?.status?.phase === 'Monitoring' && e.status.claim?.holder === 'spot-guard-a' && e.status.spotHealthySince ? e : undefined;
    }, 60_000);
    await agentA.stop({ release: false });
    // B would scale down at once: its stability window is a second.
    agentB = new Agent({ identity: { podName: 'spot-guard-b', nodeName: 'spot-node-1' }, config: agentConfig({ SPOT_GUARD_CLAIM_LEASE: LEASE }), kubeConfig: world.agentKubeConfig(), autoscaling: world.aws, log: quietLog() });
    agentB.start();
    const taken = await waitFor(`${name} taken over by B`, async () => {
      const e = await store.get(name);
      return e?.status?.claim?.holder === 'spot-guard-b' ? e : undefined;
    }, 60_000);
    assert.ok(Date.parse(taken.status?.claim?.acquiredAt ?? '') >= Date.parse(held.status?.claim?.acquiredAt ?? ''), 'a new claim');
    const done = await waitFor(`${name} Completed by B`, async () => {
      const e = await store.get(name);
      if (e?.status?.phase === 'Failed') throw new Error(`event Failed: ${e.status.message}`);
      return e?.status?.phase === 'Completed' ? e : undefined;
    }, 120_000);
    for (const step of SCALE_DOWN_STEPS) assert.is(done.status?.scaleDown?.[step]?.by, 'spot-guard-b', step);
  } finally {
    await agentA.stop({ release: false });
    await agentB?.stop({ release: false });
    await store.delete(name);
  }
});

test.run();
