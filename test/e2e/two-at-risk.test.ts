// Two at-risk nodes at once (invariant 1): exactly two replacements, two events recording two
// different on-demand instances, and after both scale-downs both ASGs where they started.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../harness/agent-world.js';
import { startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('two at-risk nodes at once');

test.before(async (ctx) => {
  ctx.s = await startScenario();
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('two rebalance recommendations at the same moment: exactly two on-demand replacements', async ({ s }) => {
  const [a, b] = (await s.spotNodes()).map((n) => n.metadata?.name ?? '');
  assert.ok(a && b);
  await s.sandbox.sim.control.exhaustSpotPool(s.spot);
  await Promise.all([s.sandbox.agents.rebalance(a), s.sandbox.agents.rebalance(b)]);
  const events = await waitFor('two fallback events', async () => {
    const list = await s.events();
    return list.length >= 2 ? list : undefined;
  }, 120_000);
  await waitFor('both at-risk nodes protected', async () => (await s.isProtected(a)) && (await s.isProtected(b)), 120_000);
  await new Promise((r) => setTimeout(r, 3000));
  assert.is((await s.events()).length, 2, 'two events, no more');
  assert.equal(await s.desired(), { spot: 3, onDemand: 2 }, 'both spot increments withdrawn, exactly two on-demand instances');
  const instances = events.map((e) => e.spec.onDemandInstanceID ?? '');
  assert.is(new Set(instances).size, 2, `two different instances recorded: ${instances.join(', ')}`);
  assert.equal([...instances].sort(), (await s.inService(s.onDemand)).sort());
  assert.is(new Set(events.map((e) => e.spec.onDemandNodeName)).size, 2);
  const requests = events.map((e) => e.metadata?.annotations?.['spot-guard.aws.amazon.com/request']?.split('@')[0]).sort();
  assert.equal(requests, [a, b].sort(), 'one event for each at-risk node');

  await s.sandbox.sim.control.restoreSpotPool(s.spot);
  for (const e of events) await s.waitPhase(e.metadata?.name ?? '', 'Completed');
  assert.equal((await s.terminations(s.onDemand)).sort(), [...instances].sort(), 'each recorded instance terminated once');
  assert.equal(await s.desired(), { spot: 3, onDemand: 0 }, 'both ASGs back where they started');
});

test.run();
