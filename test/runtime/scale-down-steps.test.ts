// One AWS call per fact (issue 14): the terminate step learns from one
// DescribeAutoScalingInstances both whether the instance is already gone and whether it is still
// the on-demand ASG's, whatever the answer; against moto, with the ASG lock as Leases in a real
// API server under the shipped RBAC.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { runStep, type StepDeps } from '../../runtime/agent/scale-down-steps.js';
import { AsgLeaseLocks } from '../../runtime/capacity/asg-lock.kube.js';
import { LedgeredCapacity } from '../../runtime/capacity/capacity.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { createAsgPair, loud, ON_DEMAND_ASG, quietLog, recordingAutoScaling, SPOT_ASG, startAgentWorld, type AgentWorld, type CallLog } from '../harness/agent-world.js';

const test = suite<{ world: AgentWorld }>('the terminate step');

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPair(ctx.world.moto, 1, 2);
  }),
);
test.after(async (ctx) => {
  await ctx.world?.stop();
});

function eventFor(instanceId: string): SpotGuardFallbackEvent {
  return {
    apiVersion: 'aws.amazon.com/v1',
    kind: 'SpotGuardFallbackEvent',
    metadata: { name: `fallback-${instanceId}`, namespace: 'kube-system', uid: instanceId },
    spec: { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: 'od-node', timestamp: '2025-01-01T00:00:00Z', minimumWaitDuration: '0s' },
  };
}

function stepDeps(world: AgentWorld, calls: CallLog): StepDeps {
  const kubeConfig = world.agentKubeConfig();
  const autoscaling = recordingAutoScaling(world.aws, 'agent', calls);
  const nodes = new KubeNodes(kubeConfig);
  return {
    nodes,
    pods: nodes,
    autoscaling,
    capacity: new LedgeredCapacity(new AsgLeaseLocks(kubeConfig, { holderIdentity: 'spot-guard-a', namespace: 'kube-system' }), autoscaling),
    drain: { deleteEmptyDirData: false, force: false },
    evictionTimeoutMs: 30_000,
    dryRun: false,
    log: quietLog(),
  };
}

const instancesOf = async (world: AgentWorld, asg: string): Promise<string[]> =>
  ((await world.aws.describeGroups([asg]))[0]?.instances ?? []).filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId);

test('one describe of the instance per attempt: to terminate it, to find it gone, or to refuse one of another group', async ({ world }) => {
  const [onDemand = ''] = await instancesOf(world, ON_DEMAND_ASG);
  const [spot = ''] = await instancesOf(world, SPOT_ASG);
  assert.ok(onDemand && spot);
  const attempt = async (instanceId: string) => {
    const calls: CallLog = [];
    const result = await runStep('terminate', eventFor(instanceId), stepDeps(world, calls));
    return { result, calls: calls.map((c) => `${c.call} ${c.arg}`) };
  };

  const terminated = await attempt(onDemand);
  assert.ok(terminated.result.ok, JSON.stringify(terminated.result));
  assert.equal(terminated.calls, [`describeInstance ${onDemand}`, `terminateInstance ${onDemand}`]);

  const again = await attempt(onDemand);
  assert.ok(again.result.ok && again.result.message?.includes('already terminated'), JSON.stringify(again.result));
  assert.equal(again.calls, [`describeInstance ${onDemand}`]);

  const foreign = await attempt(spot);
  assert.equal(foreign.result.ok ? undefined : foreign.result.code, 'Untrusted');
  assert.equal(foreign.calls, [`describeInstance ${spot}`]);
  assert.equal(await instancesOf(world, SPOT_ASG), [spot], 'the spot instance is untouched');
});

test.run();
