// Throttling and 5xx on 20% of all AWS calls: the story still completes and nothing is
// terminated twice. The agents' SDK retries and the idempotent, recorded steps absorb it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../harness/agent-world.js';
import { fallBack, startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('AWS throttling and 5xx on 20% of calls');

test.before(async (ctx) => {
  ctx.s = await startScenario();
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('the story completes and each instance is terminated at most once', async ({ s }) => {
  const control = s.sandbox.sim.control;
  await control.injectFault({ action: '*', error: 'Throttling', rate: 0.1, seed: 7 });
  await control.injectFault({ action: '*', error: 'InternalFailure', rate: 0.1, seed: 11 });
  const [nodeA] = await s.spotNodes();
  const nodeAName = nodeA?.metadata?.name ?? '';
  await control.exhaustSpotPool(s.spot);
  const event = await fallBack(s, nodeAName);
  const name = event.metadata?.name ?? '';
  await s.sandbox.agents.interrupt(nodeAName);
  await control.interrupt(s.instanceOf(nodeA));
  await s.waitPhase(name, 'Monitoring');
  await control.restoreSpotPool(s.spot);
  await s.waitPhase(name, 'Completed');

  const injected = Object.values(await control.injectedCalls()).reduce((a, b) => a + b, 0);
  assert.ok(injected > 0, 'faults were injected');
  await control.clearFaults();
  assert.equal(await s.terminations(s.onDemand), [event.spec.onDemandInstanceID], 'the on-demand instance terminated once');
  const spotTerminated = await s.terminations(s.spot);
  assert.is(new Set(spotTerminated).size, spotTerminated.length, 'no spot instance terminated twice');
  await waitFor('both ASGs back where they started', async () => {
    const d = await s.desired();
    return d.spot === 3 && d.onDemand === 0;
  }, 30_000);
});

test.run();
