// Invariant 3, exactly-one scale-down, with real agents: 20 agents under the shipped RBAC race
// on one ReadyForScaleDown event per round, for 50 rounds, against a real API server and moto.
// Each round exactly one agent drains the on-demand node and terminates its exact instance,
// the on-demand ASG ends where it started, and only that agent calls AWS at all (invariant 8).
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
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
  loud,
  type AgentWorld,
  type CallLog,
} from '../harness/agent-world.js';

const AGENTS = Number(process.env.SPOT_GUARD_RACE_AGENTS ?? 20);
const ROUNDS = Number(process.env.SPOT_GUARD_RACE_ROUNDS ?? 50);

interface Ctx {
  world: AgentWorld;
  agents: Agent[];
  calls: CallLog;
}
const test = suite<Ctx>('exactly-one scale-down with 20 racing agents');

test.before(
  loud(async (ctx) => {
  // KWOK plays the kubelet: an evicted pod is gone once its grace period is over.
  ctx.world = await startAgentWorld({ withKubelets: true });
  const { world } = ctx;
  await createAsgPairWithSpotNodes(world, 3, 0);
  // One agent per node, as the DaemonSet runs them (the claim turns rank nodes): the others'
  // nodes are members of no ASG, so spot health is the three spot nodes'.
  for (let i = 3; i < AGENTS; i++) await registerNode(world, `worker-${i}`, `i-${String(i).padStart(17, '0')}`);
  ctx.calls = [];
  // placePod's pods declare no controller: the drain takes them as kubectl drain --force would.
  const config = agentConfig({ SPOT_GUARD_DRAIN_FORCE: 'true' });
  ctx.agents = Array.from({ length: AGENTS }, (_, i) => {
    const kubeConfig = world.agentKubeConfig();
    const who = `spot-guard-${i}`;
    return new Agent({
      identity: { podName: who, nodeName: i < 3 ? `spot-node-${i}` : `worker-${i}` },
      config,
      kubeConfig,
      autoscaling: recordingAutoScaling(world.aws, who, ctx.calls),
      nodes: recordingNodes(new KubeNodes(kubeConfig), who, ctx.calls),
      log: quietLog(),
    });
  });
  for (const agent of ctx.agents) agent.start();
  await waitFor('every agent ready', () => ctx.agents.every((a) => a.readiness().ready));
  }),
);

test.after(async (ctx) => {
  await Promise.all((ctx.agents ?? []).map((a) => a.stop({ release: false })));
  await ctx.world?.stop();
});

test(`${ROUNDS} rounds: one drain and one terminate of the recorded instance per event`, async ({ world, calls }) => {
  const store = new FallbackEventStore(world.admin);
  const core = world.admin.makeApiClient(CoreV1Api);
  let takeovers = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    // A fallback happened: one on-demand instance, its node, a pod on it.
    await world.aws.setDesiredCapacity(ON_DEMAND_ASG, 1);
    const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
    const instanceId = od?.instances.find((i) => i.lifecycleState === 'InService')?.instanceId ?? '';
    assert.ok(instanceId, `round ${round}: moto launched no on-demand instance`);
    const nodeName = `od-node-${round}`;
    await registerNode(world, nodeName, instanceId);
    await placePod(world, `web-${round}`, nodeName);
    const before = calls.length;
    const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = await seedEventWithStatus(
      store,
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: nodeName, timestamp: long, minimumWaitDuration: '0s' },
      { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: long, message: 'spot restored' },
    );
    const name = event.metadata?.name ?? '';
    let last: unknown;
    const done = await waitFor(() => `round ${round}: ${name} Completed (last status ${JSON.stringify(last)})`, async () => {
      const e = await store.get(name);
      last = e?.status;
      if (e?.status?.phase === 'Failed') throw new Error(`round ${round}: event Failed: ${e.status.message}`);
      return e?.status?.phase === 'Completed' ? e : undefined;
    }, 120_000);

    const mine = calls.slice(before);
    const drains = mine.filter((c) => c.call === 'drain' && c.arg === nodeName);
    const terminates = mine.filter((c) => c.call === 'terminateInstance');
    assert.is(drains.length, 1, `round ${round}: ${drains.length} drains by ${drains.map((c) => c.who).join(', ')}`);
    assert.equal(terminates.map((c) => c.arg), [instanceId], `round ${round}: terminated ${terminates.map((c) => c.arg).join(', ')}`);
    assert.is(terminates[0]?.who, drains[0]?.who, `round ${round}: drained by one agent, terminated by another`);
    assert.is(done.status?.scaleDown?.terminate?.by, drains[0]?.who);
    // Invariant 8: only the claim holder asks AWS anything; the other 19 only watch. A second
    // asker is allowed only for a takeover (a holder starved past its lease on a loaded machine).
    const askers = [...new Set(mine.filter((c) => c.call.startsWith('describe')).map((c) => c.who))];
    assert.ok(askers.includes(drains[0]?.who ?? '') && askers.length <= 2, `round ${round}: AWS was asked by ${askers.join(', ')}`);
    if (askers.length > 1) takeovers++;
    const [after] = await world.aws.describeGroups([ON_DEMAND_ASG]);
    assert.is(after?.desired, 0, `round ${round}: on-demand desired capacity ${after?.desired}`);
    assert.not.ok(after?.instances.some((i) => i.instanceId === instanceId && i.lifecycleState === 'InService'));

    // The instance is gone: so is its node, as the cloud controller would do.
    await core.deleteNode({ name: nodeName });
    await store.delete(name);
  }
  assert.ok(takeovers <= ROUNDS / 10, `${takeovers} of ${ROUNDS} rounds needed a takeover: claims are being lost`);
});

test.run();
