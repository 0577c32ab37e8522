// Reads in proportion to the work (issue 14), for the rebalance response: while it waits for
// its on-demand replacement it reads the recorded events from the agent's watch, not a list of
// every event per poll, and every Describe of the on-demand ASG is one of the shared poller's
// (a DescribeAutoScalingGroups and its DescribeScalingActivities): recording the fallback uses
// the poller's answer instead of a Describe of its own. Real servers: AEMM, moto, kube-apiserver.
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { Agent } from '../../runtime/agent/agent.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import { apiServerLists, diffCounts } from '../bench/apiserver-writes.js';
import {
  agentConfig,
  createAsgPairWithSpotNodes,
  loud,
  markReady,
  ON_DEMAND_ASG,
  quietLog,
  recordingAutoScaling,
  registerNode,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
  type CallLog,
} from '../harness/agent-world.js';

const test = suite<{ world: AgentWorld; aemm: Aemm; agent?: Agent }>('the rebalance response reads what it needs');

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPairWithSpotNodes(ctx.world, 3, 0);
    ctx.aemm = await startAemm({ rebalanceDelaySec: 1 });
  }),
);
test.after(async (ctx) => {
  await ctx.agent?.stop({ release: false });
  await ctx.aemm?.stop();
  await ctx.world?.stop();
});

/** Describes of `asg` that are not a poll's pair (groups, then activities); a last one may be a poll cut short. */
function strayDescribes(calls: CallLog, asg: string): string[] {
  const seq = calls.filter((c) => c.arg === asg && (c.call === 'describeGroups' || c.call === 'describeActivities')).map((c) => c.call);
  const strays: string[] = [];
  for (let i = 0; i < seq.length; i++) {
    if (seq[i] === 'describeGroups' && i + 1 < seq.length && seq[i + 1] !== 'describeActivities') strays.push(`describeGroups #${i}`);
    if (seq[i] === 'describeActivities' && seq[i - 1] !== 'describeGroups') strays.push(`describeActivities #${i}`);
  }
  return strays;
}

test('waiting for on-demand lists no events; recording lists them once; the on-demand ASG is only described by its poller', async (ctx) => {
  const { world } = ctx;
  const calls: CallLog = [];
  const desired = async () => Object.fromEntries((await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG])).map((g) => [g.name, g.desired]));
  const agent = new Agent({
    identity: { podName: 'spot-guard-spot-node-0', nodeName: 'spot-node-0' },
    // Spot never becomes a node here: after 5 s the response falls back. A poll a second.
    config: agentConfig({ SPOT_GUARD_MINIMUM_WAIT: '1h', SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '5s' }),
    kubeConfig: world.agentKubeConfig(),
    autoscaling: recordingAutoScaling(world.aws, 'agent', calls),
    imds: new ImdsHttpClient({ endpoint: ctx.aemm.url }),
    tuning: { imdsIntervalMs: 500 },
    log: quietLog(),
  });
  ctx.agent = agent;
  agent.start();
  await waitFor('on-demand raised 0 → 1', async () => (await desired())[ON_DEMAND_ASG] === 1, 60_000);
  const raisedAt = calls.findIndex((c) => c.call === 'setDesiredCapacity' && c.arg === `${ON_DEMAND_ASG}=1`);
  assert.ok(raisedAt >= 0);

  // A few polls of the on-demand ASG while its instance has no node yet.
  const waiting = await apiServerLists(world.plane);
  await new Promise((r) => setTimeout(r, 4000));
  const waited = await apiServerLists(world.plane);
  assert.ok(calls.slice(raisedAt).filter((c) => c.call === 'describeGroups' && c.arg === ON_DEMAND_ASG).length >= 3, 'the on-demand ASG was polled');
  assert.is(diffCounts(waiting, waited)['LIST spotguardfallbackevents'] ?? 0, 0, 'no list of events per poll');

  const [od] = await world.aws.describeGroups([ON_DEMAND_ASG]);
  const instanceId = od?.instances[0]?.instanceId ?? '';
  await registerNode(world, 'od-node', instanceId, { ready: false });
  await waitFor('the fallback recorded, as the agent\'s watch sees it', () => agent.actors.names().length === 1, 60_000);
  const recorded = await apiServerLists(world.plane);
  assert.is(diffCounts(waited, recorded)['LIST spotguardfallbackevents'] ?? 0, 1, 'the record read the events once, under the lock');

  await markReady(world, 'od-node');
  const core = world.admin.makeApiClient(CoreV1Api);
  await waitFor('spot-node-0 tainted', async () => (await core.readNode({ name: 'spot-node-0' })).spec?.taints?.some((t) => t.key === REBALANCE_TAINT.key), 60_000);
  await agent.stop({ release: false });
  ctx.agent = undefined;

  const [event] = (await new FallbackEventStore(world.admin).list()).items;
  assert.is(event?.spec.onDemandInstanceID, instanceId, 'the on-demand instance recorded');
  assert.is(event?.spec.onDemandNodeName, 'od-node');
  assert.equal(strayDescribes(calls.slice(raisedAt + 1), ON_DEMAND_ASG), [], `on-demand describes: ${calls.slice(raisedAt + 1).filter((c) => c.arg === ON_DEMAND_ASG).map((c) => c.call).join(', ')}`);
});

test.run();
