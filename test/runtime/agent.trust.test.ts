// Invariant 7, trust nothing in an SGFE: anyone who can create these objects must not be able
// to make the agent scale or drain something outside its configuration. Each forged event
// ends Failed with a message that says why, and no AWS capacity or node is changed.
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCALE_DOWN_STEPS } from '../../crds/phases.js';
import type { FallbackEventSpec } from '../../crds/spotguardfallbackevent.types.js';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import {
  agentConfig,
  createAsgPair,
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
  agent: Agent;
  calls: CallLog;
  onDemandInstance: string;
  spotInstance: string;
}
const test = suite<Ctx>('forged SpotGuardFallbackEvents');

test.before(
  loud(async (ctx) => {
    // KWOK plays the kubelet: an evicted pod is gone once its grace period is over.
    ctx.world = await startAgentWorld({ withKubelets: true });
    const { world } = ctx;
    await createAsgPair(world.moto, 3, 1);
    const [spot, od] = await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]).then((gs) => [gs.find((g) => g.name === SPOT_ASG), gs.find((g) => g.name === ON_DEMAND_ASG)]);
    for (const [i, instance] of (spot?.instances ?? []).entries()) await registerNode(world, `spot-node-${i}`, instance.instanceId);
    ctx.spotInstance = spot?.instances[0]?.instanceId ?? '';
    ctx.onDemandInstance = od?.instances[0]?.instanceId ?? '';
    await registerNode(world, 'od-node', ctx.onDemandInstance);
    await placePod(world, 'web-od', 'od-node');
    ctx.calls = [];
    const kubeConfig = world.agentKubeConfig();
    ctx.agent = new Agent({
      identity: { podName: 'spot-guard-b', nodeName: 'spot-node-1' },
      // placePod's pods declare no controller: the drain takes them as kubectl drain --force would.
      config: agentConfig({ SPOT_GUARD_DRAIN_FORCE: 'true' }),
      kubeConfig,
      autoscaling: recordingAutoScaling(world.aws, 'b', ctx.calls),
      nodes: recordingNodes(new KubeNodes(kubeConfig), 'b', ctx.calls),
      log: quietLog(),
    });
    ctx.agent.start();
    await waitFor('agent ready', () => ctx.agent.readiness().ready);
  }),
);
test.after(async (ctx) => {
  await ctx.agent?.stop({ release: false });
  await ctx.world?.stop();
});

const long = (): string => new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Creates the forged event, ready for scale-down, and waits for its final phase. */
async function forge(world: AgentWorld, spec: Partial<FallbackEventSpec>, instance: string) {
  const store = new FallbackEventStore(world.admin);
  const created = await seedEventWithStatus(
    store,
    { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instance, onDemandNodeName: 'od-node', timestamp: long(), minimumWaitDuration: '0s', ...spec },
    { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: long() },
  );
  const name = created.metadata?.name ?? '';
  let last: unknown;
  const final = await waitFor(() => `${name} to end (last status ${JSON.stringify(last)})`, async () => {
    const e = await store.get(name);
    last = e?.status;
    return e?.status?.phase === 'Failed' || e?.status?.phase === 'Completed' ? e : undefined;
  }, 60_000);
  await store.delete(name);
  return final;
}

async function assertNothingTouched({ world, calls }: Ctx, desiredBefore: number[], nodeName: string): Promise<void> {
  assert.equal(calls.filter((c) => !c.call.startsWith('describe')).map((c) => `${c.who} ${c.call} ${c.arg}`), [], 'no AWS or node change was made');
  const node = await world.admin.makeApiClient(CoreV1Api).readNode({ name: nodeName });
  assert.not.ok(node.spec?.unschedulable, 'the node was not cordoned');
  assert.not.ok(node.spec?.taints?.some((t) => t.key.startsWith('spot-guard')), 'the node was not tainted');
  const groups = await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]);
  assert.equal([SPOT_ASG, ON_DEMAND_ASG].map((n) => groups.find((g) => g.name === n)?.desired), desiredBefore, 'desired capacities unchanged');
}

const cases: { name: string; spec: (c: Ctx) => Partial<FallbackEventSpec>; instance: (c: Ctx) => string; message: RegExp }[] = [
  { name: 'an on-demand ASG that is not in a configured pair', spec: () => ({ onDemandASGName: 'someone-elses-asg' }), instance: (c) => c.onDemandInstance, message: /someone-elses-asg/ },
  { name: 'a spot ASG that is not in a configured pair', spec: () => ({ spotASGName: 'prod-critical-asg' }), instance: (c) => c.onDemandInstance, message: /prod-critical-asg/ },
  { name: 'a node whose providerID does not carry the recorded instance', spec: () => ({}), instance: () => 'i-0123456789abcdef0', message: /od-node runs instance i-[0-9a-f]+, not the recorded i-0123456789abcdef0/ },
  {
    name: 'an instance outside the on-demand ASG (a spot instance, with its own node)',
    spec: () => ({ onDemandNodeName: 'spot-node-0' }),
    instance: (c) => c.spotInstance,
    message: /belongs to ASG my-spot-asg, not the on-demand ASG my-ondemand-asg/,
  },
];

for (const c of cases) {
  test(`${c.name}: Failed with a message, nothing touched`, async (ctx) => {
    ctx.calls.length = 0;
    const before = await ctx.world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]);
    const desiredBefore = [SPOT_ASG, ON_DEMAND_ASG].map((n) => before.find((g) => g.name === n)?.desired ?? -1);
    const final = await forge(ctx.world, c.spec(ctx), c.instance(ctx));
    assert.is(final.status?.phase, 'Failed');
    assert.match(final.status?.message ?? '', c.message);
    await assertNothingTouched(ctx, desiredBefore, c.spec(ctx).onDemandNodeName ?? 'od-node');
  });
}

test('the same event with a true spec is carried out (the checks above are not refusing everything)', async (ctx) => {
  ctx.calls.length = 0;
  const final = await forge(ctx.world, {}, ctx.onDemandInstance);
  assert.is(final.status?.phase, 'Completed', final.status?.message);
  assert.ok(ctx.calls.some((c) => c.call === 'terminateInstance' && c.arg === ctx.onDemandInstance));
});

test('dry run: the event is carried to the end, every step is logged, and no AWS capacity or node changes', async (ctx) => {
  const { world } = ctx;
  await ctx.agent.stop({ release: true });
  await world.aws.setDesiredCapacity(ON_DEMAND_ASG, 1);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instance = od?.instances.find((i) => i.lifecycleState === 'InService')?.instanceId ?? '';
  await registerNode(world, 'od-node-dry', instance);
  await placePod(world, 'web-dry', 'od-node-dry');
  ctx.calls.length = 0;
  const kubeConfig = world.agentKubeConfig();
  ctx.agent = new Agent({
    identity: { podName: 'spot-guard-dry', nodeName: 'spot-node-1' },
    config: agentConfig({ SPOT_GUARD_DRY_RUN: 'true', SPOT_GUARD_DRAIN_FORCE: 'true' }),
    kubeConfig,
    autoscaling: recordingAutoScaling(world.aws, 'dry', ctx.calls),
    nodes: recordingNodes(new KubeNodes(kubeConfig), 'dry', ctx.calls),
    log: quietLog(),
  });
  ctx.agent.start();
  const final = await forge(world, { onDemandNodeName: 'od-node-dry' }, instance);
  assert.is(final.status?.phase, 'Completed');
  assert.match(final.status?.message ?? '', /^Dry run complete/);
  assert.match(final.status?.scaleDown?.drain?.message ?? '', /^dry run: would drain node od-node-dry/);
  assert.match(final.status?.scaleDown?.terminate?.message ?? '', new RegExp(`^dry run: would terminate instance ${instance}`));
  // The dry run is recorded as data, as the API server stored it: on every step and in the condition.
  assert.equal(SCALE_DOWN_STEPS.map((step) => final.status?.scaleDown?.[step]?.dryRun), SCALE_DOWN_STEPS.map(() => true));
  assert.is(final.status?.conditions?.find((c) => c.type === 'ScaledDown')?.reason, 'DryRun');
  await assertNothingTouched(ctx, [3, 1], 'od-node-dry');
  const pods = await world.admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=od-node-dry' });
  assert.is(pods.items.length, 1, 'the pod was not evicted');
  assert.not.ok(pods.items[0]?.metadata?.deletionTimestamp);
});

test.run();
