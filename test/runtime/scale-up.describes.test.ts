// One AWS call per fact (issue 14, invariant 8), for the rebalance response's scale-ups: the
// "before" baseline is the shared poller's snapshot, and that poller keeps running into the
// state that waits for the replacement, so neither ASG gets a Describe pair of the baseline's
// own nor a second poll right after its increment. Only the poller asks for scaling
// activities, so their times show the polls: at most one per poll interval. The increment's
// read under the lock (a DescribeAutoScalingGroups alone) stays. Real servers: AEMM, moto,
// kube-apiserver.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { Agent } from '../../runtime/agent/agent.js';
import type { AutoScalingPort } from '../../runtime/autoscaling.port.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import { agentConfig, createAsgPairWithSpotNodes, loud, ON_DEMAND_ASG, quietLog, SPOT_ASG, startAgentWorld, waitFor, type AgentWorld } from '../harness/agent-world.js';

const test = suite<{ world: AgentWorld; aemm: Aemm; agent?: Agent }>('scale-ups describe each ASG once per poll');

const POLL_MS = 1000;

type TimedCall = { at: number; call: string; asg: string };

/** The world's AutoScalingPort, with the Describe calls (and capacity changes) timed. */
function timedDescribes(port: AutoScalingPort, calls: TimedCall[]): AutoScalingPort {
  return {
    describeGroups: async (names) => {
      for (const asg of names) calls.push({ at: Date.now(), call: 'describeGroups', asg });
      return port.describeGroups(names);
    },
    describeActivities: async (asg, max) => {
      calls.push({ at: Date.now(), call: 'describeActivities', asg });
      return port.describeActivities(asg, max);
    },
    describeInstance: (id) => port.describeInstance(id),
    setDesiredCapacity: async (asg, desired) => {
      calls.push({ at: Date.now(), call: 'setDesiredCapacity', asg });
      return port.setDesiredCapacity(asg, desired);
    },
    terminateInstance: (id) => port.terminateInstance(id),
  };
}

/** Gaps (ms) between consecutive activity describes of `asg` shorter than half a poll interval. */
function closePolls(calls: TimedCall[], asg: string): number[] {
  const at = calls.filter((c) => c.call === 'describeActivities' && c.asg === asg).map((c) => c.at);
  return at.slice(1).map((t, i) => t - (at[i] ?? 0)).filter((gap) => gap < POLL_MS / 2);
}

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

test('spot, then on-demand raised: each ASG polled at most once per interval, its baseline included', async (ctx) => {
  const { world } = ctx;
  const calls: TimedCall[] = [];
  const agent = new Agent({
    identity: { podName: 'spot-guard-spot-node-0', nodeName: 'spot-node-0' },
    // Spot never becomes a node: after 4 s the response falls back to on-demand.
    config: agentConfig({ SPOT_GUARD_MINIMUM_WAIT: '1h', SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: '4s', SPOT_GUARD_ASG_POLL_INTERVAL: `${POLL_MS / 1000}s` }),
    kubeConfig: world.agentKubeConfig(),
    autoscaling: timedDescribes(world.aws, calls),
    imds: new ImdsHttpClient({ endpoint: ctx.aemm.url }),
    tuning: { imdsIntervalMs: 500 },
    log: quietLog(),
  });
  ctx.agent = agent;
  agent.start();
  await waitFor('on-demand raised', () => calls.some((c) => c.call === 'setDesiredCapacity' && c.asg === ON_DEMAND_ASG), 60_000);
  // A few polls of the on-demand ASG while its instance has no node.
  await new Promise((r) => setTimeout(r, 3 * POLL_MS));
  await agent.stop({ release: false });
  ctx.agent = undefined;

  const count = (call: string, asg: string) => calls.filter((c) => c.call === call && c.asg === asg).length;
  const spotRaisedAt = calls.findIndex((c) => c.call === 'setDesiredCapacity' && c.asg === SPOT_ASG);
  assert.ok(spotRaisedAt > 0, 'spot was raised');
  assert.ok(count('describeActivities', SPOT_ASG) >= 3 && count('describeActivities', ON_DEMAND_ASG) >= 3, 'both ASGs were polled');
  const trace = (asg: string) => calls.filter((c) => c.asg === asg).map((c) => `${c.call}@${c.at - (calls[0]?.at ?? 0)}`).join(', ');
  assert.equal(closePolls(calls, SPOT_ASG), [], `spot: ${trace(SPOT_ASG)}`);
  assert.equal(closePolls(calls, ON_DEMAND_ASG), [], `on-demand: ${trace(ON_DEMAND_ASG)}`);
});

test.run();
