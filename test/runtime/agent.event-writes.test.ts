// Writes to a SpotGuardFallbackEvent over its whole life (issue 14): every agent watches every
// event, so each write reaches every node. The event is written when something changes that a
// person or another agent needs (its creation, phase changes, health first seen, each scale-down
// step, its deletion), never for the claim's heartbeat, which goes to a Lease. So the count does
// not grow with how long the event waits: the same lifecycle at two duration scales, the longer
// one spanning several times as many claim leases, costs the same number of writes, at most 12.
// Counted from kube-apiserver's own request metrics.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { apiServerWrites, diffCounts, sumCounts, type Counts } from '../bench/apiserver-writes.js';
import { agentConfig, createAsgPairWithSpotNodes, loud, ON_DEMAND_ASG, quietLog, registerNode, SPOT_ASG, startAgentWorld, waitFor, type AgentWorld } from '../harness/agent-world.js';

interface Ctx {
  world: AgentWorld;
}
const test = suite<Ctx>('writes to an event over its lifecycle');

const MAX_WRITES = 12;
/** The claim lease: the shortest allowed, so the longer scale spans many renewals. */
const LEASE_SECONDS = 5;

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPairWithSpotNodes(ctx.world, 3, 0);
  }),
);
test.after(async (ctx) => {
  await ctx.world?.stop();
});

/** One event from creation to deletion, with the minimum wait, the stability window and the TTL all `seconds` long. */
async function lifecycle(world: AgentWorld, seconds: number, round: number): Promise<{ events: Counts; leases: Counts }> {
  const store = new FallbackEventStore(world.admin);
  await world.aws.setDesiredCapacity(ON_DEMAND_ASG, 1);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances.find((i) => i.lifecycleState === 'InService')?.instanceId ?? '';
  const nodeName = `od-node-${round}`;
  await registerNode(world, nodeName, instanceId);

  const config = agentConfig({ SPOT_GUARD_SPOT_STABILITY_WINDOW: `${seconds}s`, SPOT_GUARD_EVENT_TTL: `${seconds}s`, SPOT_GUARD_CLAIM_LEASE: `${LEASE_SECONDS}s` });
  const agents = [0, 1, 2].map(
    (i) => new Agent({ identity: { podName: `spot-guard-${round}-${i}`, nodeName: `spot-node-${i}` }, config, kubeConfig: world.agentKubeConfig(), autoscaling: world.aws, log: quietLog() }),
  );
  for (const agent of agents) agent.start();
  try {
    const before = await apiServerWrites(world.plane);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = await store.create({ spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: nodeName, timestamp: now, minimumWaitDuration: `${seconds}s` });
    const name = event.metadata?.name ?? '';
    await waitFor(`${name} Completed and deleted after its TTL`, async () => {
      const e = await store.get(name);
      if (e?.status?.phase === 'Failed') throw new Error(`event Failed: ${e.status.message}`);
      return e === undefined;
    }, 120_000 + 6_000 * seconds);
    const writes = diffCounts(before, await apiServerWrites(world.plane));
    const pick = (resource: string) => Object.fromEntries(Object.entries(writes).filter(([k]) => k.includes(` ${resource}`)));
    return { events: pick('spotguardfallbackevents'), leases: pick('leases') };
  } finally {
    await Promise.all(agents.map((a) => a.stop({ release: false })));
  }
}

test(`one lifecycle costs the same writes to the event at two duration scales, at most ${MAX_WRITES}`, async ({ world }) => {
  const short = await lifecycle(world, 2, 1);
  const long = await lifecycle(world, 12, 2);
  const total = (c: Counts) => sumCounts(c, () => true);
  console.log(`  event writes: ${JSON.stringify(short.events)} at 2 s, ${JSON.stringify(long.events)} at 12 s; Lease writes (claim heartbeats, ASG locks) ${total(short.leases)} and ${total(long.leases)}`);
  assert.ok(total(short.events) <= MAX_WRITES, `${total(short.events)} writes at 2 s: ${JSON.stringify(short.events)}`);
  assert.equal(long.events, short.events, 'a longer wait costs the event no more writes');
  assert.ok(total(long.leases) > total(short.leases), 'the heartbeat went on, in the claim Lease');
});

test.run();
