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
  const monitoringAt = await s.seenAt(name, 'Monitoring');
  const readyAt = await s.seenAt(name, 'ReadyForScaleDown');
  assert.ok(monitoringAt - Date.parse(event.spec.timestamp) >= s.setting('SPOT_GUARD_MINIMUM_WAIT') - 1000, 'Monitoring only after the minimum wait');
  assert.ok(readyAt - monitoringAt >= s.setting('SPOT_GUARD_SPOT_STABILITY_WINDOW') - 1000, 'stable for the whole window after Monitoring began');
  assert.ok(Date.parse(done.status?.spotHealthySince ?? '') >= monitoringAt - 1000, 'the window began in Monitoring, not before');
  assert.equal(await s.terminations(s.onDemand), [event.spec.onDemandInstanceID]);
  assert.equal(await s.desired(), { spot: 3, onDemand: 0 });
});

test.run();
