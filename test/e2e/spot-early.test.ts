// Spot returns before the minimum wait: the event still waits the minimum time in Pending,
// then watches spot for the whole stability window before it scales the on-demand node down.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fallBack, startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('spot returns before the minimum wait');

test.before(async (ctx) => {
  ctx.s = await startScenario();
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('Pending for the whole minimum wait, Monitoring for the whole window, then one scale-down', async ({ s }) => {
  const [nodeA] = await s.spotNodes();
  await s.sandbox.sim.control.exhaustSpotPool(s.spot);
  const event = await fallBack(s, nodeA?.metadata?.name ?? '');
  const name = event.metadata?.name ?? '';
  await s.sandbox.sim.control.restoreSpotPool(s.spot);
  assert.is((await s.store.get(name))?.status?.phase, 'Pending', 'spot is back, yet the event waits');

  const done = await s.waitPhase(name, 'Completed');
  await s.seenAt(name, 'Completed');
  assert.equal(s.phases(name), ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown', 'Completed']);
  // From what the event records (whole seconds, so a second of slack), not from when a poller saw it.
  const minimumWaitOver = Date.parse(event.spec.timestamp) + s.setting('SPOT_GUARD_MINIMUM_WAIT');
  const healthySince = Date.parse(done.status?.spotHealthySince ?? '');
  const restored = Date.parse(done.status?.conditions?.find((c) => c.type === 'SpotRestored')?.lastTransitionTime ?? '');
  assert.ok(healthySince >= minimumWaitOver - 1000, 'spot health is only watched once the minimum wait is over, though spot was back long before');
  assert.ok(restored - healthySince >= s.setting('SPOT_GUARD_SPOT_STABILITY_WINDOW') - 1000, 'stable for the whole window before ReadyForScaleDown');
  assert.equal(await s.terminations(s.onDemand), [event.spec.onDemandInstanceID]);
  assert.equal(await s.desired(), { spot: 3, onDemand: 0 });
});

test.run();
