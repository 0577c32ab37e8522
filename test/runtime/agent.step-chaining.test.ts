// Issue 14: spot stable → drain started within seconds. The machine decides its next move on a
// TICK; the agent gives it one as soon as a commit returns, so the checks and every scale-down
// step follow the commit before them instead of waiting for the clock. With a clock that ticks
// every 30 s, one tick claims the event and the rest (checks, taint, cordon, drain, wait,
// terminate) happens before the next one could come.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCALE_DOWN_STEPS } from '../../crds/phases.js';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
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

const TICK_MS = 30_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ms = (timestamp: string | undefined) => Date.parse(timestamp ?? '');

interface Ctx {
  world: AgentWorld;
}
const test = suite<Ctx>('scale-down steps follow their commits, not the clock');

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPairWithSpotNodes(ctx.world, 3, 1);
  }),
);
test.after(async (ctx) => {
  await ctx.world?.stop();
});

test('with a 30 s tick, one tick claims the event and the drain starts before the next', async ({ world }) => {
  const store = new FallbackEventStore(world.admin);
  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances[0]?.instanceId ?? '';
  await registerNode(world, 'od-node', instanceId);
  const calls: CallLog = [];
  const kubeConfig = world.agentKubeConfig();
  const agent = new Agent({
    identity: { podName: 'spot-guard-a', nodeName: 'spot-node-0' },
    // A lease well past the tick, so the claim outlives the gap between two ticks.
    config: agentConfig({ SPOT_GUARD_CLAIM_LEASE: '300s' }, { tickIntervalMs: TICK_MS }),
    // The recorded spot health stays fresh across the tick, so the checks pass on the first try
    // whether or not the holder's own first observation has come back by then.
    tuning: { healthStaleAfterMs: 10 * 60_000 },
    kubeConfig,
    autoscaling: recordingAutoScaling(world.aws, 'a', calls),
    nodes: recordingNodes(new KubeNodes(kubeConfig), 'a', calls),
    log: quietLog(),
  });
  agent.start();
  try {
    // The clock ticks once at start; the event comes after, so the next tick (30 s on) claims it.
    await waitFor('agent ready', () => agent.readiness().ready);
    const now = Date.now();
    const long = iso(now - 3600_000);
    const event = await seedEventWithStatus(
      store,
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: 'od-node', timestamp: long, minimumWaitDuration: '0s' },
      {
        phase: 'ReadyForScaleDown',
        spotCapacityRestored: true,
        scaleDownInitiated: false,
        spotHealthySince: long,
        spotHealth: { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, observedAt: iso(now) },
        message: 'spot restored',
      },
    );
    const name = event.metadata?.name ?? '';
    const seededAt = Date.now();

    // One tick (≤ 30 s away) to claim it, then half a tick for the rest: were each move to
    // wait for the clock, the checks and the five steps would take six more ticks (3 min).
    let last: unknown;
    const done = await waitFor(
      () => `${name} Completed within ${TICK_MS / 1000} s + ${TICK_MS / 2000} s (last status ${JSON.stringify(last)})`,
      async () => {
        const e = await store.get(name);
        last = e?.status;
        if (e?.status?.phase === 'Failed') throw new Error(`event Failed: ${e.status.message}`);
        return e?.status?.phase === 'Completed' ? e : undefined;
      },
      TICK_MS * 1.5,
      100,
    );
    assert.ok(Date.now() - seededAt < TICK_MS * 1.5, 'completed within one tick and a half of being seeded');

    // From the status (whole seconds): the drain started well before the clock's next tick
    // could have come after the scale-down began.
    const s = done.status ?? {};
    const scaleDownStarted = ms(s.scaleDown?.startedAt);
    const drainStarted = ms(s.scaleDown?.drain?.startedAt);
    assert.ok(drainStarted - scaleDownStarted < TICK_MS / 2, `drain started ${(drainStarted - scaleDownStarted) / 1000} s after the scale-down did (tick ${TICK_MS / 1000} s)`);
    // Each step started once the one before it was recorded, all by the one holder.
    let previousDone = scaleDownStarted;
    for (const step of SCALE_DOWN_STEPS) {
      const record = s.scaleDown?.[step];
      assert.is(record?.by, 'spot-guard-a', `${step} recorded by ${record?.by}`);
      assert.ok(ms(record?.startedAt) >= previousDone, `${step} started at ${record?.startedAt}, before what preceded it was recorded`);
      previousDone = ms(record?.completedAt);
    }
    assert.equal(calls.filter((c) => c.call === 'terminateInstance').map((c) => c.arg), [instanceId], 'one terminate of the recorded instance');
  } finally {
    await agent.stop({ release: false });
  }
});

test.run();
