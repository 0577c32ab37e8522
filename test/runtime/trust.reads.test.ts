// One AWS call per fact (issue 14, invariant 8), for the trust test (invariant 7) of safety
// checks that stay blocked: the node and the instance's ASG membership are tested once per few
// recheck intervals per event, not on every check; and the scale-down that a cleared check
// starts tests trust afresh (its taint step) before it touches the node. Counted at the ports
// the agent is given (DescribeAutoScalingInstances, GET node). Real servers: moto, kube-apiserver.
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConditionType } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import type { NodePort } from '../../runtime/kube/nodes.port.js';
import {
  agentConfig,
  createAsgPair,
  loud,
  ON_DEMAND_ASG,
  quietLog,
  recordingAutoScaling,
  recordingNodes,
  registerNode,
  seedEventWithStatus,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
  type CallLog,
} from '../harness/agent-world.js';

const test = suite<{ world: AgentWorld; agent?: Agent }>('the trust test while safety checks are blocked');

const RECHECK_MS = 1000;

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPair(ctx.world.moto, 1, 1);
    const [spot, od] = await ctx.world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]);
    await registerNode(ctx.world, 'spot-node', spot?.instances[0]?.instanceId ?? '');
    await registerNode(ctx.world, 'od-node', od?.instances[0]?.instanceId ?? '');
    // No controller would recreate it: the drain (without --force) refuses, so the checks block.
    const core = ctx.world.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'bare' }, spec: { nodeName: 'od-node', containers: [{ name: 'c', image: 'nginx' }] } } });
  }),
);
test.after(async (ctx) => {
  await ctx.agent?.stop({ release: false });
  await ctx.world?.stop();
});

const blocked = (e: SpotGuardFallbackEvent | undefined): boolean =>
  e?.status?.phase === 'ReadyForScaleDown' && e.status.conditions?.some((c) => c.type === ConditionType.SafetyChecksPassed && c.status === 'False') === true;

/** The node port with its getNode calls written to `calls` too. */
function countingNodes(port: NodePort, calls: CallLog): NodePort {
  const recorded = recordingNodes(port, 'agent', calls);
  return {
    ...recorded,
    getNode: async (name) => {
      calls.push({ who: 'agent', call: 'getNode', arg: name });
      return port.getNode(name);
    },
  };
}

test('a blocked event tests trust at most once per four rechecks, and afresh before its scale-down', async (ctx) => {
  const { world } = ctx;
  const store = new FallbackEventStore(world.admin);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances[0]?.instanceId ?? '';
  const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const event = await seedEventWithStatus(
    store,
    { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: 'od-node', timestamp: long, minimumWaitDuration: '0s' },
    { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: long, message: 'spot restored' },
  );
  const name = event.metadata?.name ?? '';
  const calls: CallLog = [];
  const kubeConfig = world.agentKubeConfig();
  const agent = new Agent({
    identity: { podName: 'spot-guard-a', nodeName: 'spot-node' },
    config: agentConfig({ SPOT_GUARD_RECHECK_INTERVAL: `${RECHECK_MS / 1000}s` }),
    kubeConfig,
    autoscaling: recordingAutoScaling(world.aws, 'agent', calls),
    nodes: countingNodes(new KubeNodes(kubeConfig), calls),
    log: quietLog(),
  });
  ctx.agent = agent;
  agent.start();
  await waitFor('the event blocked', async () => blocked(await store.get(name)), 60_000);

  const windowMs = 8 * RECHECK_MS;
  const from = calls.length;
  await new Promise((r) => setTimeout(r, windowMs));
  const during = calls.slice(from);
  const count = (call: string) => during.filter((c) => c.call === call && (c.arg === instanceId || c.arg === 'od-node')).length;
  const most = windowMs / (4 * RECHECK_MS) + 1;
  assert.ok(count('describeInstance') <= most, `DescribeAutoScalingInstances ${count('describeInstance')} times in ${windowMs} ms of checks every ${RECHECK_MS} ms, at most ${most} wanted`);
  assert.ok(count('getNode') <= most, `getNode ${count('getNode')} times, at most ${most} wanted`);
  assert.ok(blocked(await store.get(name)), 'still blocked');

  // Cleared: the scale-down starts, and its taint is preceded by a trust test of its own.
  const cleared = calls.length;
  await world.admin.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: 'bare', namespace: 'default', gracePeriodSeconds: 0 });
  await waitFor('od-node tainted', () => calls.slice(cleared).some((c) => c.call === 'taint' && c.arg.startsWith('od-node ')), 60_000);
  const after = calls.slice(cleared);
  const taintAt = after.findIndex((c) => c.call === 'taint');
  const tested = after.slice(0, taintAt).map((c) => c.call);
  assert.ok(tested.includes('describeInstance') && tested.includes('getNode'), `trust tested afresh before the taint: ${tested.join(', ')}`);
});

test.run();
