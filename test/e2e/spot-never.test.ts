// Spot never returns: the event stays in Monitoring, says why, and nothing is drained or
// terminated, however long it waits.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../harness/agent-world.js';
import { fallBack, startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('spot never returns');

test.before(async (ctx) => {
  ctx.s = await startScenario();
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('the event stays Monitoring and the on-demand node is left alone', async ({ s }) => {
  const [nodeA] = await s.spotNodes();
  const nodeAName = nodeA?.metadata?.name ?? '';
  await s.sandbox.sim.control.exhaustSpotPool(s.spot);
  const event = await fallBack(s, nodeAName);
  const name = event.metadata?.name ?? '';
  await s.sandbox.agents.interrupt(nodeAName);
  await s.sandbox.sim.control.interrupt(s.instanceOf(nodeA));
  await s.waitPhase(name, 'Monitoring');

  // Several stability windows and many polls later: still short of spot, still Monitoring.
  const window = s.setting('SPOT_GUARD_SPOT_STABILITY_WINDOW');
  const until = Date.now() + 4 * window;
  const seen = await waitFor('an unhealthy spot observation in status', async () => (await s.store.get(name))?.status?.spotHealth, 60_000);
  assert.is(seen.healthy, false);
  const describes = async () => (await s.sandbox.sim.control.calls()).DescribeAutoScalingGroups ?? 0;
  const describedBefore = await describes();
  while (Date.now() < until) await new Promise((r) => setTimeout(r, 500));
  const later = await s.store.get(name);
  assert.is(later?.status?.phase, 'Monitoring');
  assert.is(later?.status?.spotCapacityRestored, false);
  assert.is(later?.status?.spotHealth?.healthy, false);
  assert.is(later?.status?.spotHealth?.inService, 2, 'the ASG could not replace the reclaimed node');
  // The holder records its first look and any change of health, not every observation (a
  // write to every node): that it kept observing shows in AWS's call count.
  assert.is(later?.status?.spotHealth?.observedBy, later?.status?.claim?.holder, 'what the holder saw');
  const polls = (4 * window) / s.setting('SPOT_GUARD_ASG_POLL_INTERVAL');
  assert.ok((await describes()) - describedBefore >= polls / 2, `the holder kept observing: ${(await describes()) - describedBefore} Describe calls in ${4 * window} ms, polling every ${s.setting('SPOT_GUARD_ASG_POLL_INTERVAL')} ms`);
  assert.equal(s.phases(name).filter((p) => p !== 'Pending'), ['Monitoring']);
  const od = await s.core.readNode({ name: event.spec.onDemandNodeName });
  assert.not.ok(od.spec?.unschedulable, 'not cordoned');
  assert.not.ok(od.spec?.taints?.some((t) => t.key.startsWith('spot-guard')), 'not tainted');
  assert.equal(await s.terminations(s.onDemand), [], 'nothing terminated');
  assert.equal(await s.desired(), { spot: 3, onDemand: 1 });
  const failed = (await s.aws.describeActivities(s.spot, 100)).filter((a) => a.statusCode === 'Failed');
  assert.ok(failed.length >= 2, 'the spot ASG kept trying to replace the node');
});

test.run();
