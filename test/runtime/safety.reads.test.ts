// Reads in proportion to the work (issue 14), for the safety checks while blocked: however many
// events an agent holds, it lists the cluster's pods at most once per recheck interval, and
// takes the nodes from its node watch rather than listing them; counted by the API server
// (apiserver_request_total). A blocked check that clears still passes, on a read of its own.
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConditionType } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { apiServerLists, diffCounts } from '../bench/apiserver-writes.js';
import {
  agentConfig,
  createAsgPair,
  loud,
  ON_DEMAND_ASG,
  quietLog,
  registerNode,
  seedEventWithStatus,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
} from '../harness/agent-world.js';

const test = suite<{ world: AgentWorld; agent?: Agent }>('safety checks while blocked');

const EVENTS = 3;
const RECHECK_MS = 2000;

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPair(ctx.world.moto, 1, EVENTS);
    const [spot, od] = await ctx.world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]);
    await registerNode(ctx.world, 'spot-node', spot?.instances[0]?.instanceId ?? '');
    const core = ctx.world.admin.makeApiClient(CoreV1Api);
    for (const [i, instance] of (od?.instances ?? []).entries()) {
      await registerNode(ctx.world, `od-node-${i}`, instance.instanceId);
      // No controller would recreate it: the drain (without --force) refuses, so the checks block.
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: `bare-${i}` }, spec: { nodeName: `od-node-${i}`, containers: [{ name: 'c', image: 'nginx' }] } } });
    }
  }),
);
test.after(async (ctx) => {
  await ctx.agent?.stop({ release: false });
  await ctx.world?.stop();
});

const blocked = (e: SpotGuardFallbackEvent | undefined): boolean =>
  e?.status?.phase === 'ReadyForScaleDown' && e.status.conditions?.some((c) => c.type === ConditionType.SafetyChecksPassed && c.status === 'False') === true;

test(`${EVENTS} blocked events: pods listed at most once per recheck interval, nodes never`, async (ctx) => {
  const { world } = ctx;
  const store = new FallbackEventStore(world.admin);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const names: string[] = [];
  for (const [i, instance] of (od?.instances ?? []).entries()) {
    const event = await seedEventWithStatus(
      store,
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instance.instanceId, onDemandNodeName: `od-node-${i}`, timestamp: long, minimumWaitDuration: '0s' },
      { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: long, message: 'spot restored' },
    );
    names.push(event.metadata?.name ?? '');
  }
  const agent = new Agent({
    identity: { podName: 'spot-guard-a', nodeName: 'spot-node' },
    config: agentConfig({ SPOT_GUARD_RECHECK_INTERVAL: `${RECHECK_MS / 1000}s` }),
    kubeConfig: world.agentKubeConfig(),
    autoscaling: world.aws,
    log: quietLog(),
  });
  ctx.agent = agent;
  agent.start();
  await waitFor(`all ${EVENTS} events blocked`, async () => (await Promise.all(names.map((n) => store.get(n)))).every(blocked), 60_000);

  const windowMs = 4 * RECHECK_MS;
  const before = await apiServerLists(world.plane);
  await new Promise((r) => setTimeout(r, windowMs));
  const lists = diffCounts(before, await apiServerLists(world.plane));
  const most = windowMs / RECHECK_MS + 1;
  assert.ok((lists['LIST pods'] ?? 0) >= 1, 'the checks went on');
  assert.ok((lists['LIST pods'] ?? 0) <= most, `pods listed ${lists['LIST pods']} times in ${windowMs} ms, at most ${most} wanted`);
  assert.ok((lists['LIST poddisruptionbudgets'] ?? 0) <= most, `PDBs listed ${lists['LIST poddisruptionbudgets']} times`);
  assert.is(lists['LIST nodes'] ?? 0, 0, 'nodes come from the node watch');

  // What blocked one event goes: its check passes (on a read made for it) and its scale-down starts.
  await world.admin.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: 'bare-0', namespace: 'default', gracePeriodSeconds: 0 });
  await waitFor('the cleared event past its checks', async () => {
    const phase = (await store.get(names[0] ?? ''))?.status?.phase;
    return phase === 'ScalingDown' || phase === 'Completed';
  }, 60_000);
  assert.ok((await Promise.all(names.slice(1).map((n) => store.get(n)))).every(blocked), 'the others stay blocked');
});

test.run();
