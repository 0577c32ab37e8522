// No thundering herd (issue 14): twenty agents see the same SpotGuardFallbackEvent from its
// creation to its deletion after the TTL. In the common case one agent tries each claim and
// each delete (the agents take turns, ranked by rendezvous hashing over the Ready nodes), so the
// writes kube-apiserver refuses (409 on a claim race, 404 on a delete already done) stay at one
// or none per event. Counted from kube-apiserver's own request metrics, not from the agents.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { apiServerWrites, diffCounts, sumCounts } from '../bench/apiserver-writes.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
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

interface Ctx {
  world: AgentWorld;
  agents: Agent[];
}
const test = suite<Ctx>('twenty agents, one event: no thundering herd');

const AGENTS = 20;

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    ctx.agents = [];
    await createAsgPairWithSpotNodes(ctx.world, 3, 1);
    // The other agents' nodes: members of no ASG, so spot health is the three spot nodes'.
    for (let i = 3; i < AGENTS; i++) await registerNode(ctx.world, `worker-${i}`, `i-${String(i).padStart(17, '0')}`);
  }),
);
test.after(async (ctx) => {
  await Promise.all((ctx.agents ?? []).map((a) => a.stop({ release: false })));
  await ctx.world?.stop();
});

test(`${AGENTS} agents carry one event from Pending to its deletion: at most one refused write`, async (ctx) => {
  const { world } = ctx;
  const store = new FallbackEventStore(world.admin);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances[0]?.instanceId ?? '';
  await registerNode(world, 'od-node', instanceId);
  const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const event = await seedEventWithStatus(
    store,
    { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: 'od-node', timestamp: long, minimumWaitDuration: '0s' },
    { phase: 'Pending' },
  );
  const name = event.metadata?.name ?? '';
  const before = await apiServerWrites(world.plane);

  const config = agentConfig({ SPOT_GUARD_EVENT_TTL: '2s' });
  const nodes = [0, 1, 2].map((i) => `spot-node-${i}`).concat(Array.from({ length: AGENTS - 3 }, (_, i) => `worker-${i + 3}`));
  for (const nodeName of nodes) {
    const agent = new Agent({ identity: { podName: `spot-guard-${nodeName}`, nodeName }, config, kubeConfig: world.agentKubeConfig(), autoscaling: world.aws, log: quietLog() });
    ctx.agents.push(agent);
    agent.start();
  }

  await waitFor(`${name} Completed and deleted after its TTL`, async () => {
    const e = await store.get(name);
    if (e?.status?.phase === 'Failed') throw new Error(`event Failed: ${e.status.message}`);
    return e === undefined;
  }, 120_000);
  const [after] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  assert.is(after?.desired, 0, 'the on-demand instance was scaled down');

  const writes = diffCounts(before, await apiServerWrites(world.plane));
  const events = (key: string) => key.includes(' spotguardfallbackevents');
  const refused = sumCounts(writes, (k) => events(k) && k.includes(' → '));
  console.log(`  SpotGuardFallbackEvent writes by ${AGENTS} agents over one lifecycle: ${JSON.stringify(Object.fromEntries(Object.entries(writes).filter(([k]) => events(k))))}`);
  assert.ok(refused <= 1, `refused writes to the event: ${refused} (${JSON.stringify(writes)})`);
});

test.run();
