// Webhook notifications with ten agents racing, against real servers (kube-apiserver and etcd,
// moto, AEMM for the at-risk node's IMDS) and a real HTTP receiver on loopback. Each of the four
// notifications arrives exactly once per transition: the fallback recorded (sent by the agent
// whose create made the event), the scale-down completed and the event failed (by the agent whose
// optimistic status update made the change), and the event stuck (by the one agent whose stuck
// marker landed). A receiver that hangs and then fails is retried, and the event goes its way
// meanwhile: the notification never stands in a decision's way.
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { Agent } from '../../runtime/agent/agent.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
  credentials,
  loud,
  ON_DEMAND_ASG,
  quietLog,
  REGION,
  registerNode,
  seedEventWithStatus,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
} from '../harness/agent-world.js';
import { WebhookReceiver, type NotificationBody } from '../harness/webhook-receiver.js';

const AGENTS = 10;
/** Every spot instance a Ready node: spot is healthy once the response's withdrawn increment is gone. */
const SPOT_START = 3;
/** A second pair whose spot ASG wants nothing: never healthy, so its event stays in Monitoring. */
const STUCK_SPOT = 'stuck-spot-asg';
const STUCK_ON_DEMAND = 'stuck-ondemand-asg';

/** Kinds whose notifications hang once, then get 500s, until taken out of the set. */
const failing = new Set<string>();

/** The receiver's answer: 200, or for a kind in `failing` a hang the first time and 500s after. */
function answer(receiver: WebhookReceiver, body: unknown): number | 'hang' {
  const { kind } = body as NotificationBody;
  if (!failing.has(kind)) return 200;
  return receiver.received.some((r) => (r.body as NotificationBody).kind === kind && r.answer === 'hang') ? 500 : 'hang';
}

/** Every request the receiver got: its notification's fields and the answer it was given. */
const requests = (receiver: WebhookReceiver) => receiver.received.map((r) => ({ ...(r.body as NotificationBody), answer: r.answer }));

interface Ctx {
  world: AgentWorld;
  receiver: WebhookReceiver;
  aemm: Aemm;
  agents: Agent[];
  store: FallbackEventStore;
  /** Each transition's event, by the kind of notification it must cause once. */
  expected: Map<string, string>;
}
const test = suite<Ctx>('webhook notifications, ten agents racing');

async function createGroups(world: AgentWorld, groups: [string, number][]): Promise<void> {
  const admin = new AutoScalingClient({ region: REGION, endpoint: world.moto.endpoint, credentials });
  try {
    for (const [name, desired] of groups) {
      await admin.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 10, DesiredCapacity: desired, AvailabilityZones: [`${REGION}a`] }));
    }
  } finally {
    admin.destroy();
  }
}

const hoursAgo = (h: number): string => new Date(Date.now() - h * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    const { world } = ctx;
    ctx.agents = [];
    ctx.expected = new Map();
    ctx.store = new FallbackEventStore(world.admin);
    ctx.receiver = new WebhookReceiver();
    ctx.receiver.answer = (body) => answer(ctx.receiver, body);
    const url = await ctx.receiver.start('/spot-guard');
    await createAsgPairWithSpotNodes(world, SPOT_START, 0, 3);
    await createGroups(world, [[STUCK_SPOT, 0], [STUCK_ON_DEMAND, 0]]);
    for (let i = 3; i < AGENTS; i++) await registerNode(world, `worker-${i}`, `i-${String(i).padStart(17, '0')}`);
    ctx.aemm = await startAemm({ rebalanceDelaySec: 1 });
    const config = agentConfig({
      SPOT_GUARD_ASG_PAIRS: `${SPOT_ASG}=${ON_DEMAND_ASG},${STUCK_SPOT}=${STUCK_ON_DEMAND}`,
      SPOT_GUARD_WEBHOOK_URL: url,
      // A hung receiver is cut off after this; the first retry follows a second later.
      SPOT_GUARD_WEBHOOK_TIMEOUT: '2s',
      // The recorded fallback stays Pending: this suite is about what is told, not the scale-down.
      SPOT_GUARD_MINIMUM_WAIT: '1h',
      SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '5s',
    });
    const nodes = [0, 1, 2].map((i) => `spot-node-${i}`).concat(Array.from({ length: AGENTS - 3 }, (_, i) => `worker-${i + 3}`));
    for (const nodeName of nodes) {
      const agent = new Agent({
        identity: { podName: `spot-guard-${nodeName}`, nodeName },
        config,
        kubeConfig: world.agentKubeConfig(),
        autoscaling: world.aws,
        // Only the at-risk node's agent is told of a rebalance recommendation.
        imds: nodeName === 'spot-node-0' ? new ImdsHttpClient({ endpoint: ctx.aemm.url }) : undefined,
        tuning: { imdsIntervalMs: 500 },
        log: quietLog(),
      });
      ctx.agents.push(agent);
      agent.start();
    }
    await waitFor('every agent ready', () => ctx.agents.every((a) => a.readiness().ready));
  }),
);
test.after(async (ctx) => {
  await Promise.all((ctx.agents ?? []).map((a) => a.stop({ release: false })));
  await ctx.aemm?.stop();
  await ctx.receiver?.stop();
  await ctx.world?.stop();
});

test('fallback recorded: sent by the at-risk node\'s agent; a hung, then failing receiver is retried while the response goes on', async ({ world, receiver, store, expected }) => {
  // Spot never comes (no node registers for the new spot instance): the response falls back.
  failing.add('FallbackRecorded');
  const core = world.admin.makeApiClient(CoreV1Api);
  const od = await waitFor('the on-demand ASG raised to 1', async () => (await world.aws.describeGroups([ON_DEMAND_ASG]))[0]?.instances[0]?.instanceId, 60_000);
  await registerNode(world, 'od-node', od);
  const event = await waitFor('the fallback recorded', async () => (await store.list()).items.find((e) => e.spec.spotASGName === SPOT_ASG), 60_000);
  const name = event.metadata?.name ?? '';
  expected.set('FallbackRecorded', name);
  // Not blocked: the response taints and cordons the at-risk node while every attempt to tell
  // of the fallback is still failing (the first one hung until its timeout).
  await waitFor('spot-node-0 tainted and cordoned', async () => {
    const node = await core.readNode({ name: 'spot-node-0' });
    return node.spec?.unschedulable && node.spec.taints?.some((t) => t.key === REBALANCE_TAINT.key);
  }, 60_000);
  await waitFor('a second attempt after the hung one', () => requests(receiver).filter((r) => r.kind === 'FallbackRecorded').length >= 2, 60_000);
  assert.is(receiver.delivered('FallbackRecorded').length, 0, 'nothing delivered yet');
  failing.delete('FallbackRecorded');
  const [delivered] = await waitFor('the fallback notification delivered', () => receiver.delivered('FallbackRecorded').length > 0 && receiver.delivered('FallbackRecorded'), 120_000);
  assert.is(delivered?.event, name);
  assert.is(delivered?.sentBy, 'spot-guard-spot-node-0', 'the agent whose create recorded the event');
  const attempts = requests(receiver).filter((r) => r.kind === 'FallbackRecorded');
  assert.ok(attempts.length >= 3, `hung, failed, delivered: ${JSON.stringify(attempts)}`);
  assert.ok(attempts.every((r) => r.sentBy === 'spot-guard-spot-node-0'), 'every attempt from that one agent');
});

test('scale-down completed: sent once, by the agent whose commit completed the event', async ({ world, receiver, store, expected }) => {
  await world.aws.setDesiredCapacity(ON_DEMAND_ASG, 2);
  const [group] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const known = new Set((await store.list()).items.map((e) => e.spec.onDemandInstanceID));
  const instanceId = group?.instances.find((i) => i.lifecycleState === 'InService' && !known.has(i.instanceId))?.instanceId ?? '';
  assert.ok(instanceId, 'a second on-demand instance');
  await registerNode(world, 'od-node-2', instanceId);
  const event = await seedEventWithStatus(
    store,
    { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: instanceId, onDemandNodeName: 'od-node-2', timestamp: hoursAgo(1), minimumWaitDuration: '0s' },
    // Spot healthy for five minutes: recent progress, so the event is not stuck.
    { phase: 'ReadyForScaleDown', spotCapacityRestored: true, scaleDownInitiated: false, spotHealthySince: hoursAgo(1 / 12), message: 'spot restored' },
  );
  const name = event.metadata?.name ?? '';
  expected.set('ScaleDownCompleted', name);
  let last: unknown;
  const done = await waitFor(() => `${name} Completed (last status ${JSON.stringify(last)})`, async () => {
    const e = await store.get(name);
    last = e?.status;
    if (e?.status?.phase === 'Failed') throw new Error(`Failed: ${e.status.message}`);
    return e?.status?.phase === 'Completed' && e;
  }, 120_000);
  const [delivered] = await waitFor('the completion notification', () => receiver.delivered('ScaleDownCompleted', name).length > 0 && receiver.delivered('ScaleDownCompleted', name), 60_000);
  assert.is(delivered?.sentBy, done.status?.scaleDown?.terminate?.by, 'sent by the agent that terminated the instance and committed Completed');
});

test('event failed: an untrusted event fails, told once', async ({ receiver, store, expected }) => {
  const event = await seedEventWithStatus(
    store,
    // Recorded just now: an hour-old one would rightly be stuck as well (no progress for 1h).
    { spotASGName: 'not-a-configured-asg', onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: 'i-00000000000000099', onDemandNodeName: 'nowhere', timestamp: hoursAgo(0), minimumWaitDuration: '0s' },
    { phase: 'Pending' },
  );
  const name = event.metadata?.name ?? '';
  expected.set('EventFailed', name);
  await waitFor(`${name} Failed`, async () => (await store.get(name))?.status?.phase === 'Failed', 60_000);
  await waitFor('the failure notification', () => receiver.delivered('EventFailed', name).length > 0, 60_000);
});

test('event stuck: no progress past the stuck age, told once by the agent whose marker landed', async ({ receiver, store, expected }) => {
  // Three hours after a fallback with no wait, spot of its pair has never been healthy: stuck
  // (SPOT_GUARD_WEBHOOK_STUCK_AFTER defaults to 1h).
  const event = await seedEventWithStatus(
    store,
    { spotASGName: STUCK_SPOT, onDemandASGName: STUCK_ON_DEMAND, onDemandInstanceID: 'i-00000000000000077', onDemandNodeName: 'stuck-od-node', timestamp: hoursAgo(3), minimumWaitDuration: '0s' },
    { phase: 'Pending' },
  );
  const name = event.metadata?.name ?? '';
  expected.set('EventStuck', name);
  const [delivered] = await waitFor('the stuck notification', () => receiver.delivered('EventStuck', name).length > 0 && receiver.delivered('EventStuck', name), 60_000);
  const marked = await store.get(name);
  const marker = marked?.status?.conditions?.find((c) => c.type === 'StuckReported');
  assert.is(marker?.status, 'True');
  assert.match(marker?.message ?? '', `${delivered?.sentBy} sends the webhook notification`);
  // Still stuck, and it goes on: the agents take it to Monitoring and keep watching its spot.
  await waitFor(`${name} Monitoring`, async () => (await store.get(name))?.status?.phase === 'Monitoring', 60_000);
});

test('exactly one delivery per transition, and no other notification', async ({ receiver, expected, store }) => {
  // Every agent has long seen every one of these transitions: a duplicate would be here by now.
  // The Completed event is still seen Completed by every agent, the stuck one still stuck.
  await waitFor('all four told', () => expected.size === 4 && [...expected].every(([kind, event]) => receiver.delivered(kind, event).length > 0), 60_000);
  const settled = requests(receiver).length;
  await waitFor('the agents ticking on for a while (each ticks every 250 ms)', async () => {
    const e = await store.get(expected.get('EventStuck') ?? '');
    return e?.status?.phase === 'Monitoring' && requests(receiver).length === settled;
  }, 30_000);
  await new Promise((r) => setTimeout(r, 5000));
  const delivered = requests(receiver).filter((r) => r.answer === 200).map((r) => `${r.kind} ${r.event}`).sort();
  assert.equal(delivered, [...expected].map(([kind, event]) => `${kind} ${event}`).sort(), JSON.stringify(requests(receiver)));
  const senders = new Set(requests(receiver).filter((r) => r.kind !== 'FallbackRecorded').map((r) => `${r.kind} ${r.sentBy}`));
  assert.is(senders.size, 3, `one sender per transition: ${[...senders].join(', ')}`);
});

test.run();
